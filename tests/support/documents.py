"""Small documents folders the tests write: :data:`ARTICLES` (three short articles, a
Markdown one and one in a subfolder) and :func:`write_documents`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

ARTICLES = {
    "cats.txt": "Cats sleep for most of the day. They hunt mice at night. A cat purrs when happy.",
    "dogs.md": "Dogs bark at strangers. They love long walks in the park. A dog wags its tail.",
    "news/rain.txt": "Heavy rain flooded the valley. Farmers lost crops. The river burst.",
}


def write_documents(folder: Path, files: Mapping[str, str]) -> Path:
    """Write each ``name: text`` of ``files`` under ``folder`` (subfolders made); ``folder``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
