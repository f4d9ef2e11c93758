"""Settings: every field documented in .env.example and the README's settings table, parsed from
the environment and .env."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.paths import ROOT

from bot.settings import Settings


def _example_keys() -> list[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^([A-Z_]+)=", text, flags=re.M)


def _env_name(field: str) -> str:
    return "TELEGRAM_BOT_TOKEN" if field == "telegram_bot_token" else f"DOCBOT_{field.upper()}"


def test_env_example_lists_every_setting_with_a_comment() -> None:
    keys = _example_keys()
    assert sorted(keys) == sorted(_env_name(f) for f in Settings.model_fields)
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            above = [x for x in lines[:i] if x.strip()][-1]
            assert above.startswith("#") or re.match(r"^[A-Z_]+=", above), line


def test_readme_has_a_line_per_setting_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", section, flags=re.M)
    assert sorted(name for name, _ in rows) == sorted(_env_name(f) for f in Settings.model_fields)
    example = dict(
        re.findall(r"^([A-Z_]+)=(.*)$", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M)
    )
    for name, default in rows:
        shown = re.match(r"`([^`]*)`", default)
        assert (shown.group(1) if shown else "") == example[name], (name, default)


def test_env_example_values_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"))
    for key in _example_keys():
        monkeypatch.delenv(key, raising=False)
    from_file = Settings()
    monkeypatch.chdir(tmp_path / "..")
    assert from_file.model_dump() == Settings(_env_file=None).model_dump()
    assert from_file.telegram_bot_token is None and from_file.webhook_secret is None


def test_lists_and_token_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCBOT_ALLOWED_USERS", "12, 34;56")
    monkeypatch.setenv("DOCBOT_ADMINS", "7")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    s = Settings()
    assert s.allowed_users == [12, 34, 56] and s.admins == [7]
    assert s.telegram_bot_token is not None
    assert "secret-token" not in repr(s) and "secret-token" not in str(s.model_dump())
    monkeypatch.setenv("DOCBOT_ADMINS", "alice")
    with pytest.raises(ValueError, match="comma-separated Telegram user ids"):
        Settings()


def test_fusion_parameter_follows_the_method(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings().index_settings().fusion_param == 0.5
    monkeypatch.setenv("DOCBOT_FUSION", "rrf")
    assert Settings().index_settings().fusion_param == 10.0
    monkeypatch.setenv("DOCBOT_FUSION_WEIGHT", "1.5")
    with pytest.raises(ValueError):
        Settings()
