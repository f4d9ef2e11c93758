"""Generative answers against a fake OpenAI-compatible server on 127.0.0.1 (tests/support/
fakellm.py), streamed and not: what is kept, what is dropped and why, every server fault
answered extractively within the timeout + 1 s, and the API key only ever in a Bearer header.
No real model: the fake hashing embedder stands in for the engine's."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from support.fakellm import FAULTS, FakeLLM, running_fake_llm
from support.fakes import FakeEmbedder
from support.paths import DOCUMENTS, SEED_NAME
from support.telegram_html import telegram_html_problems

from bot.answering.answers import Answer, Citation, ShortAnswer
from bot.answering.generation import CheckedAnswer, Generator, generation_of
from bot.answering.generation.client import ChatClient, ServerConfig, completions_url
from bot.answering.generation.errors import GenerationError
from bot.answering.generation.passages import Passage, passages_of
from bot.answering.generation.prompt import messages
from bot.answering.generation.verify import split_reply, support_of
from bot.cli.render import answer_json, answer_text
from bot.telegram.formatting import format_answer
from index.chunking import Chunk
from index.retriever import Hit
from index.text import split_sentences

KEY = "sk-test-5ecret-K3y-never-shown"
TIMEOUT = 1.0
PARAGRAPHS = [
    p.strip()
    for p in (DOCUMENTS / SEED_NAME).read_text(encoding="utf-8").split("\n")[2:]
    if p.strip()
]
FAITHFUL = "The regional anti-terrorist commissions will be managed by oblast Akims [4]."
INVENTED = "The commissions will also run free football schools for teenagers every summer [4]."
NEUTRALIZED = "The National Security Commission neutralized 42 extremist groups [1]."


def chunk_of(i: int, text: str) -> Chunk:
    spans = tuple(split_sentences(text))
    return Chunk(
        f"c{i}", SEED_NAME, text, 0, len(text), sentences=spans, paragraphs=(i,) * len(spans)
    )


@pytest.fixture
def hits() -> list[Hit]:
    """The seed's paragraphs as passages [1]..[5] (after the caption and the article's
    one-paragraph copy)."""
    return [Hit(chunk_of(i, p), 1.0 - i / 10, 0.5, 1.0, i) for i, p in enumerate(PARAGRAPHS, 1)]


@pytest.fixture
def extractive(hits: list[Hit]) -> Answer:
    """The extractive answer to "who manages regional commissions?" (passage 4, its 2nd
    sentence), with a short answer, as the engine would compose it."""
    chunk = hits[3].chunk
    a, b = chunk.sentences[0][0], chunk.sentences[1][1]
    quote = chunk.text[a:b]
    cited = "They will be managed by oblast Akims (Governors)."
    start = quote.index(cited)
    citation = Citation(1, SEED_NAME, "paragraph 4", quote, (start, start + len(cited)), 0.7, "c4")
    phrase = quote.index("oblast Akims")
    short = ShortAnswer("oblast Akims", 1, phrase, phrase + len("oblast Akims"), 0.9)
    q = "who manages regional commissions?"
    return Answer(q, q, f"{cited} [1]", True, (citation,), short=short, confidence=0.91)


@pytest.fixture(params=[True, False], ids=["stream", "json"])
def stream(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm() as server:
        yield server


def generator(fake: FakeLLM, stream: bool, key: str | None = KEY) -> Generator:
    config = ServerConfig(
        fake.url, "fake-model", SecretStr(key) if key else None, TIMEOUT, 200, stream
    )
    return Generator(ChatClient(config))


def ask(
    fake: FakeLLM, stream: bool, reply: str, hits: list[Hit], extractive: Answer
) -> CheckedAnswer:
    fake.script = [reply]
    encode = FakeEmbedder().encode
    return generator(fake, stream).answer(extractive, hits, encode)


# --- kept and dropped ---------------------------------------------------------------------------


def test_a_faithful_answer_is_kept_with_its_citation(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(fake, stream, FAITHFUL, hits, extractive)
    assert answer.generated and answer.found and answer.dropped == ()
    assert answer.text == FAITHFUL.replace("[4].", "[1]").replace(" [1]", ". [1]")
    [citation] = answer.citations
    assert citation.n == 1 and citation.chunk_id == "c4"
    assert citation.quote in PARAGRAPHS[3]  # the documents' own words
    assert "Akims" in citation.cited
    assert answer.short is None  # numbered for the extractive citations: not carried over


def test_an_invented_sentence_is_dropped(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(fake, stream, f"{FAITHFUL} {INVENTED}", hits, extractive)
    assert answer.generated
    assert "football" not in answer.text and "Akims" in answer.text
    [dropped] = answer.dropped
    assert dropped.sentence.startswith("The commissions will also run")
    assert dropped.reason == "unsupported"


def test_a_marker_for_a_passage_not_given_is_dropped(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(fake, stream, f"{FAITHFUL} {NEUTRALIZED.replace('[1]', '[9]')}", hits, extractive)
    assert [d.reason for d in answer.dropped] == ["unknown_passage"]
    assert "42" not in answer.text


def test_a_marker_for_the_wrong_passage_is_dropped(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(fake, stream, f"{FAITHFUL} {NEUTRALIZED.replace('[1]', '[5]')}", hits, extractive)
    assert [d.reason for d in answer.dropped] == ["number"]  # 42 is in passage 1, not 5
    assert answer.text.count("[") == 1


def test_a_made_up_number_is_dropped(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    made_up = NEUTRALIZED.replace("42", "43")
    answer = ask(fake, stream, f"{NEUTRALIZED} {made_up}", hits, extractive)
    assert answer.generated
    [dropped] = answer.dropped
    assert dropped.reason == "number" and "43" in dropped.detail
    assert "42 extremist groups" in answer.text and "43" not in answer.text


def test_a_made_up_name_is_dropped(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(
        fake, stream, f"{FAITHFUL} They are appointed by President Tokayev [4].", hits, extractive
    )
    assert [d.reason for d in answer.dropped] == ["name"]


def test_a_sentence_without_a_marker_is_dropped(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(fake, stream, f"Akims manage them. {FAITHFUL}", hits, extractive)
    assert [d.reason for d in answer.dropped] == ["no_marker"]


def test_two_passages_are_renumbered_in_order_of_citation(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(fake, stream, f"{FAITHFUL} {NEUTRALIZED}", hits, extractive)
    assert answer.generated and answer.dropped == ()
    assert [c.chunk_id for c in answer.citations] == ["c4", "c1"]
    assert answer.text.endswith("42 extremist groups. [2]")


def test_nothing_surviving_gives_the_extractive_answer(
    fake: FakeLLM,
    stream: bool,
    hits: list[Hit],
    extractive: Answer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "docbot.generation")
    answer = ask(fake, stream, INVENTED, hits, extractive)
    assert not answer.generated and answer.text == extractive.text
    assert answer.citations == extractive.citations and answer.short == extractive.short
    assert [d.reason for d in answer.dropped] == ["unsupported"]
    [line] = [r.getMessage() for r in caplog.records]
    assert "nothing_kept" in line and "survived" in line


# --- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_server_faults_give_the_extractive_answer_in_time(
    fault: str,
    fake: FakeLLM,
    stream: bool,
    hits: list[Hit],
    extractive: Answer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "docbot.generation")
    started = time.monotonic()
    answer = ask(fake, stream, fault, hits, extractive)
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + 1.0
    assert not answer.generated and answer.fallback
    assert answer.text == extractive.text and answer.short == extractive.short
    assert len(caplog.records) == 1  # one line saying why
    assert KEY not in caplog.text


def test_an_unreachable_server_gives_the_extractive_answer(
    hits: list[Hit], extractive: Answer
) -> None:
    config = ServerConfig("http://127.0.0.1:9", timeout_s=TIMEOUT, api_key=SecretStr(KEY))
    answer = Generator(ChatClient(config)).answer(extractive, hits, FakeEmbedder().encode)
    assert not answer.generated and answer.fallback == "connect"


def test_errors_name_their_fix() -> None:
    with running_fake_llm("500") as fake:
        client = ChatClient(ServerConfig(fake.url, timeout_s=TIMEOUT, api_key=SecretStr(KEY)))
        with pytest.raises(GenerationError, match="HTTP 500: check its log") as caught:
            client.complete([{"role": "user", "content": "hi"}])
    assert KEY not in str(caught.value)


# --- what reaches the server, and what does not -------------------------------------------------


def test_a_refused_question_is_not_sent(fake: FakeLLM, hits: list[Hit]) -> None:
    refused = Answer("q?", "q?", "The documents do not cover this question.", False)
    answer = generator(fake, True).answer(refused, hits, FakeEmbedder().encode)
    assert fake.requests == [] and not answer.generated and answer.text == refused.text


def test_the_prompt_numbers_the_passages_and_gives_the_hints(
    fake: FakeLLM, stream: bool, hits: list[Hit], extractive: Answer
) -> None:
    ask(fake, stream, FAITHFUL, hits, extractive)
    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    body = request.body
    assert body["model"] == "fake-model" and body["stream"] is stream and body["max_tokens"] == 200
    prompt = body["messages"][-1]["content"]
    for n in range(1, 6):
        assert f"\n[{n}] ({SEED_NAME})" in prompt or prompt.startswith(f"Passages:\n\n[{n}]")
    assert "Question: who manages regional commissions?" in prompt
    assert '"oblast Akims" (passage [4])' in prompt and "confidence 0.91" in prompt
    assert "square brackets" in body["messages"][0]["content"]


def test_the_key_is_a_bearer_header_and_nowhere_else(
    fake: FakeLLM,
    stream: bool,
    hits: list[Hit],
    extractive: Answer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = ask(fake, stream, f"{FAITHFUL} {INVENTED}", hits, extractive)
    [request] = fake.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in json.dumps(request.body)
    shown = [
        json.dumps(answer_json(answer)),
        answer_text(answer),
        format_answer(answer),
        repr(answer),
    ]
    assert not any(KEY in s for s in shown)
    assert KEY not in caplog.text and all(KEY not in str(r.args) for r in caplog.records)
    fake.script = ["500"]
    generator(fake, stream).answer(extractive, hits, FakeEmbedder().encode)
    assert KEY not in caplog.text


def test_no_key_sends_no_authorization(fake: FakeLLM, hits: list[Hit], extractive: Answer) -> None:
    generator(fake, True, key=None).answer(extractive, hits, FakeEmbedder().encode)
    assert "Authorization" not in fake.requests[0].headers


# --- rendering ----------------------------------------------------------------------------------


def test_generated_answers_render_with_their_sources(
    fake: FakeLLM, hits: list[Hit], extractive: Answer
) -> None:
    answer = ask(fake, True, f"{FAITHFUL} {INVENTED}", hits, extractive)
    row = answer_json(answer)
    assert row["generated"] is True
    assert row["dropped"] == [
        {
            "sentence": INVENTED.replace(" [4]", ""),
            "reason": "unsupported",
            "detail": answer.dropped[0].detail,
        }
    ]
    # answer_json gives dict[str, object]: the citations are a list of dicts at run time
    assert [c["n"] for c in row["citations"]] == [1]  # type: ignore[attr-defined]
    html = format_answer(answer)
    assert telegram_html_problems(html) == []
    assert html.startswith("The regional anti-terrorist commissions") and "[1]" in html
    assert "<blockquote expandable>[1]" in html and "<b>Sources</b>" in html
    assert "They will be managed by oblast Akims" in answer_text(answer)


def test_extractive_answers_say_they_were_not_generated(extractive: Answer) -> None:
    row = answer_json(extractive)
    assert row["generated"] is False and row["dropped"] == []
    assert generation_of(extractive) == (False, ())


# --- pieces -------------------------------------------------------------------------------------


def test_sentences_and_their_markers() -> None:
    reply = "Akims manage them.[3] The groups were 42 [1, 2]. Nothing else. [4][2]"
    assert [(d.text, d.cites) for d in split_reply(reply)] == [
        ("Akims manage them.", (3,)),
        ("The groups were 42.", (1, 2)),
        ("Nothing else.", (4, 2)),
    ]
    assert split_reply("No marker at all") == [split_reply("No marker at all")[0]]
    assert split_reply("No marker at all")[0].cites == ()


def test_the_url_may_name_v1_or_not() -> None:
    assert completions_url("http://h:1") == "http://h:1/v1/chat/completions"
    assert completions_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    assert completions_url("https://x/v1/chat/completions") == "https://x/v1/chat/completions"


def test_passages_are_distinct_and_limited(hits: list[Hit], extractive: Answer) -> None:
    passages = passages_of([*hits, hits[0]], 3)
    assert [p.n for p in passages] == [1, 2, 3]
    assert len(messages("q?", passages, extractive)) == 2


def test_numbers_match_with_or_without_thousands_separators() -> None:
    passage = [Passage.of_text(1, "The city had 1,000 inhabitants in 1816 and 2 mills.")]
    encode = FakeEmbedder().encode
    assert support_of("It had 1000 inhabitants in 1816.", passage, encode).missing_numbers == ()
    assert support_of("It had 1,000 inhabitants.", passage, encode).missing_numbers == ()
    assert support_of("It had 3 mills in 1861.", passage, encode).missing_numbers == ("1861", "3")
