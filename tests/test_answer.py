"""Answer composition with hand-made passages and the fake embedder: units, quotes, the
[n]-to-citation check, not-found, the name gate, the vector cache."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from support.fakes import FakeEmbedder
from support.statistics import collection_stats

from bot.answering.answers import NOT_FOUND_TEXT, Answer, Citation, check
from bot.answering.choosing import (
    ANSWER_TYPE_BONUS,
    CROSS_UNITS,
    Chooser,
    candidate_units,
    rank_score,
)
from bot.answering.citing import QUOTE_CHARS, code_after
from bot.answering.composer import Composer
from bot.answering.errors import AnswerCheckError
from index.chunking import Chunk
from index.retriever import Hit, Index
from index.text import sentence_spans
from index.units import leans_on_previous
from index.vector_cache import VectorCache

SENTENCES = [
    "The council approved a new budget for the harbour district.",
    "It will be spent on dredging and new piers.",
    "Fishing boats have complained about silt for years.",
    "The mayor said work starts in spring.",
]


def make_chunk(sentences: list[str], source: str = "town.txt", sep: str = " ") -> Chunk:
    text = sep.join(sentences)
    spans = []
    pos = 0
    for s in sentences:
        start = text.index(s, pos)
        spans.append((start, start + len(s)))
        pos = start + len(s)
    return Chunk(
        id=f"{source}-{len(text)}",
        source=source,
        text=text,
        start=0,
        end=len(text),
        sentences=tuple(spans),
        paragraphs=tuple(range(1, len(sentences) + 1)),
    )


def hit(chunk: Chunk, rank: int = 1) -> Hit:
    return Hit(chunk=chunk, score=1.0, dense=0.5, sparse=1.0, rank=rank)


def ask(fake_embedder: FakeEmbedder, question: str, chunks: list[Chunk], **kw: Any) -> Answer:
    hits = [hit(c, i) for i, c in enumerate(chunks, start=1)]
    vector = fake_embedder.encode([question])[0]
    avoid = kw.pop("avoid", ())
    composer = Composer(Chooser(fake_embedder, collection_stats(chunks), **kw))
    return composer.compose(question, question, hits, vector, avoid)


def test_leaning_sentences() -> None:
    assert leans_on_previous("They will be managed by oblast Akims (Governors).")
    assert leans_on_previous("This was the first time.")
    assert leans_on_previous("It will be spent on dredging and new piers.")
    assert leans_on_previous("Yes, indeed.")  # too short to stand alone
    assert not leans_on_previous("The mayor said work starts in spring.")
    assert not leans_on_previous("Theyre is not a word but Theresa May is a name here.")


def test_units_join_a_leaning_sentence_with_its_predecessor() -> None:
    chunk = make_chunk(SENTENCES)
    units = candidate_units([hit(chunk)])
    texts = [u.text for u in units]
    assert texts[1] == SENTENCES[0] + " " + SENTENCES[1]
    assert (units[1].first, units[1].last) == (0, 1)
    assert texts[2] == SENTENCES[2]
    # the same sentences in an overlapping second passage are not candidates twice
    again = make_chunk(SENTENCES[2:], source="town.txt")
    assert len(candidate_units([hit(chunk), hit(again, 2)])) == len(units)


def test_answer_cites_the_unit_and_the_quote_contains_it(fake_embedder: FakeEmbedder) -> None:
    chunk = make_chunk(SENTENCES)
    answer = ask(fake_embedder, "what will it be spent on, dredging and piers?", [chunk])
    assert answer.found
    assert answer.text == f"{SENTENCES[0]} {SENTENCES[1]} [1]"
    [c] = answer.citations
    assert (c.n, c.source, c.location) == (1, "town.txt", "paragraph 2")
    assert c.cited == f"{SENTENCES[0]} {SENTENCES[1]}"
    assert c.cited in c.quote
    assert 0 < c.score == answer.score
    check(answer)


def test_quote_is_cut_on_sentence_boundaries_around_the_cited_sentence(
    fake_embedder: FakeEmbedder,
) -> None:
    filler = [f"Filler sentence number {i} talks about weather and tides today." for i in range(30)]
    sentences = [*filler[:15], "The lighthouse keeper is Ms Olga Berg.", *filler[15:]]
    chunk = make_chunk(sentences, sep="\n")
    answer = ask(fake_embedder, "who is the lighthouse keeper?", [chunk])
    [c] = answer.citations
    assert c.cited == "The lighthouse keeper is Ms Olga Berg."
    assert len(c.quote) <= QUOTE_CHARS
    assert len(c.quote) > QUOTE_CHARS - 70  # grown to about the limit
    starts = {chunk.text[a:b] for a, b in chunk.sentences}
    lines = c.quote.split("\n")
    assert all(line in starts for line in lines)  # whole sentences only
    assert c.quote.index(c.cited) > 0 and c.quote.rindex(c.cited) + len(c.cited) < len(c.quote)


def test_not_found_cites_nothing_and_offers_related(fake_embedder: FakeEmbedder) -> None:
    answer = ask(fake_embedder, "recipe for sourdough bread", [make_chunk(SENTENCES)])
    assert not answer.found
    assert answer.text == NOT_FOUND_TEXT
    assert answer.citations == ()
    assert answer.related == ("town.txt, paragraphs 1-4",)
    assert "[" not in answer.text


def test_a_name_missing_from_the_file_means_not_found(fake_embedder: FakeEmbedder) -> None:
    chunk = make_chunk(SENTENCES)
    found = ask(fake_embedder, "When does the mayor start work?", [chunk])
    assert found.found
    missing = ask(fake_embedder, "When does the mayor of Oslo start work?", [chunk])
    assert not missing.found and missing.citations == ()


def test_a_higher_threshold_turns_an_answer_into_not_found(fake_embedder: FakeEmbedder) -> None:
    chunk = make_chunk(SENTENCES)
    answer = ask(fake_embedder, "When does the mayor start work?", [chunk])
    refused = ask(
        fake_embedder, "When does the mayor start work?", [chunk], min_score=answer.score + 0.01
    )
    assert not refused.found
    assert refused.score == pytest.approx(answer.score, abs=1e-4)


def test_avoided_answers_give_way_to_new_information(fake_embedder: FakeEmbedder) -> None:
    chunk = make_chunk(SENTENCES)
    first = ask(fake_embedder, "When does the mayor start work?", [chunk])
    again = ask(
        fake_embedder,
        "When does the mayor start work?",
        [chunk],
        avoid=[c.cited for c in first.citations],
    )
    assert again.found
    assert again.citations[0].cited != first.citations[0].cited


def test_vector_cache_encodes_each_sentence_once(fake_embedder: FakeEmbedder) -> None:
    cache = VectorCache()
    chunk = make_chunk(SENTENCES)
    ask(fake_embedder, "When does the mayor start work?", [chunk], cache=cache)
    encoded = fake_embedder.texts_encoded
    ask(fake_embedder, "Who approved the budget?", [chunk], cache=cache)
    assert fake_embedder.texts_encoded == encoded + 1  # only the question
    rows = cache.encode(fake_embedder, ["a b", "a b"])
    assert rows.shape == (2, fake_embedder.dimension) and np.allclose(rows[0], rows[1])


def citation(n: int, quote_text: str, cited: str) -> Citation:
    a = quote_text.index(cited)
    return Citation(n, "f.txt", "paragraph 1", quote_text, (a, a + len(cited)), 0.5, "id")


def test_check_accepts_two_citations() -> None:
    c1 = citation(1, "One. Two is here. Three.", "Two is here.")
    c2 = citation(2, "Alpha beta. Gamma.", "Gamma.")
    check(Answer("q", "q", "Two is here. [1] Gamma. [2]", True, (c1, c2)))


@pytest.mark.parametrize(
    ("text", "citations", "reason"),
    [
        ("Two is here. [2]", "one", "has no citation"),
        ("Something else. [1]", "one", "is not the sentence"),
        ("Two is here.", "one", "without citations"),
        ("Two is here. [1] And more.", "one", "uncited text"),
        ("Two is here. [1]", "two", "never cited"),
        ("Two is here. [1]", "bad-highlight", "outside its quote"),
    ],
)
def test_check_rejects_inconsistent_answers(text: str, citations: str, reason: str) -> None:
    c1 = citation(1, "One. Two is here. Three.", "Two is here.")
    cs: tuple[Citation, ...] = (c1,)
    if citations == "two":
        cs = (c1, citation(2, "Alpha. Gamma.", "Gamma."))
    if citations == "bad-highlight":
        cs = (dataclasses.replace(c1, highlight=(5, 500)),)
    with pytest.raises(AnswerCheckError, match=reason):
        check(Answer("q", "q", text, True, cs))


def test_check_rejects_a_not_found_answer_with_citations() -> None:
    c1 = citation(1, "One. Two is here.", "Two is here.")
    with pytest.raises(AnswerCheckError, match="cites sources"):
        check(Answer("q", "q", NOT_FOUND_TEXT, False, (c1,)))


def test_a_passage_without_sentence_spans_is_one_sentence(fake_embedder: FakeEmbedder) -> None:
    chunk = dataclasses.replace(make_chunk(SENTENCES), sentences=(), paragraphs=())
    answer = ask(fake_embedder, "When does the mayor start work?", [chunk])
    assert answer.found
    assert answer.citations[0].cited == chunk.text


def test_the_next_sentence_comes_along_when_it_names_the_same_subject(
    fake_embedder: FakeEmbedder,
) -> None:
    chunk = make_chunk(
        [
            "R&B star Alicia Keys is to open the Super Bowl singing a song.",
            "Keys, who will sing America the Beautiful, will be joined by students.",
            "The show starts at six in the evening.",
        ]
    )
    answer = ask(fake_embedder, "Which song will Alicia Keys sing at the Super Bowl?", [chunk])
    assert answer.text == (
        "R&B star Alicia Keys is to open the Super Bowl singing a song. "
        "Keys, who will sing America the Beautiful, will be joined by students. [1]"
    )
    assert answer.citations[0].location == "paragraph 1"  # where the answering sentence is


def test_a_heading_is_not_quoted_when_a_sentence_answers(fake_embedder: FakeEmbedder) -> None:
    chunk = make_chunk(
        ["Mayor to start harbour work", "Harbour work will start in spring, the mayor said."]
    )
    answer = ask(fake_embedder, "When does the mayor start harbour work?", [chunk])
    assert answer.text == "Harbour work will start in spring, the mayor said. [1]"


def test_how_many_prefers_a_sentence_with_a_number(fake_embedder: FakeEmbedder) -> None:
    chunk = make_chunk(
        [
            "The hacker took data of customers from the phone company.",
            "The company said 400 had data taken.",
        ]
    )
    answer = ask(fake_embedder, "How many customers had data taken by the hacker?", [chunk])
    assert "400" in answer.text


def test_a_name_question_prefers_a_sentence_that_quotes_a_name(fake_embedder: FakeEmbedder) -> None:
    sentences = [
        "The company ran a campaign against spam websites this year.",
        'Its "Make love not spam" campaign against spam ended.',
    ]
    question = "What was the name of the company campaign against spam?"
    answer = ask(fake_embedder, question, [make_chunk(sentences)])
    assert "Make love not spam" in answer.text
    # without the word "name" the same passage answers with the closer sentence
    plain = ask(
        fake_embedder, "What was the company campaign against spam?", [make_chunk(sentences)]
    )
    assert plain.text.startswith("The company ran a campaign")


def test_index_statistics_match_the_chunks(seed_index: Index) -> None:
    """Index.stats reads the BM25 term matrix; it must agree with re-tokenising every chunk."""
    from index.text import tokenize

    titled = seed_index.manifest["titles"]
    from_index, from_chunks = seed_index.stats, collection_stats(seed_index.chunks, titled)
    source = seed_index.chunks[0].source
    terms = {t for c in seed_index.chunks for t in tokenize(c.text)} | {"uzbekistan", "zzz"}
    for term in terms:
        assert from_index.idf(term) == pytest.approx(from_chunks.idf(term)), term
        assert from_index.in_source(term, source) == from_chunks.in_source(term, source), term
    assert from_index.names_missing([["uzbekistan"]], source)
    assert not from_index.names_missing([["akim"]], source)
    assert from_index.names_missing([["akim"]], "another-file.txt")


class FakeCross:
    """A cross-encoder that likes texts ending with ``liked``; records what it read."""

    def __init__(self, liked: str) -> None:
        self.liked = liked
        self.read: list[list[str]] = []

    def __call__(self, question: str, texts: Any) -> np.ndarray:
        self.read.append(list(texts))
        return np.array([8.0 if t.endswith(self.liked) else -8.0 for t in texts], dtype=np.float32)


HARBOUR = [
    "The harbour master is Ms Olga Berg and she runs the harbour.",
    "The harbour budget for the harbour was approved by the harbour council.",
    "Boats pay a fee to the harbour office.",
]


def test_the_cross_encoder_picks_the_sentence_it_reads_as_the_answer(
    fake_embedder: FakeEmbedder,
) -> None:
    chunk = make_chunk(HARBOUR)
    question = "who approved the harbour budget?"
    plain = ask(fake_embedder, question, [chunk])
    cross = FakeCross("runs the harbour.")
    read = ask(fake_embedder, question, [chunk], cross=cross)
    assert plain.citations[0].cited != HARBOUR[0]
    assert read.citations[0].cited == HARBOUR[0]
    # each unit is read after the sentence before it, one batch a question
    [texts] = cross.read
    assert f"{HARBOUR[0]} {HARBOUR[1]}" in texts


def test_the_cross_encoder_reads_only_the_best_units_and_quotes_only_those(
    fake_embedder: FakeEmbedder,
) -> None:
    filler = [f"The harbour report number {i} mentions the harbour." for i in range(12)]
    chunk = make_chunk([*filler, "Nothing about it here at all, said Olga Berg."])
    cross = FakeCross("said Olga Berg.")
    answer = ask(fake_embedder, "what does the harbour report mention?", [chunk], cross=cross)
    [texts] = cross.read
    assert len(texts) == CROSS_UNITS
    assert answer.found and "Olga Berg" not in answer.citations[0].cited


BZIP2 = [
    "bzip2 normally declines to decompress files which don't have the correct magic header bytes.",
    "-t --test: Check integrity of the specified file(s), but don't decompress them.",
    "-k --keep: Keep (don't delete) input files during compression or decompression.",
]


def test_a_definition_the_question_names_answers_whatever_the_cross_encoder_reads(
    fake_embedder: FakeEmbedder,
) -> None:
    chunk = make_chunk(BZIP2, source="bzip2.html", sep="\n")
    cross = FakeCross("magic header bytes.")  # as the real one: "-t --test: ..." reads as -8.9
    answer = ask(fake_embedder, "What does bzip2's -t option do?", [chunk], cross=cross)
    assert answer.citations[0].cited == BZIP2[1]
    # an option named by its name answers "how do I ...?"
    question = "How do I keep input files during compression?"
    keep = ask(fake_embedder, question, [chunk], cross=cross)
    assert keep.citations[0].cited == BZIP2[2]
    # without a term named, the cross-encoder's reading decides as before
    other = ask(fake_embedder, "What does bzip2 decline to decompress?", [chunk], cross=cross)
    assert other.citations[0].cited == BZIP2[0]


def test_a_short_definition_stands_alone() -> None:
    chunk = make_chunk(["%f: The number of finished edges.", "%r: Running edges."], sep="\n")
    assert [u.text for u in candidate_units([hit(chunk)])] == [
        "%f: The number of finished edges.",
        "%r: Running edges.",
    ]  # "Running edges." alone would lean on the sentence before it


FLASK = [
    "PROPAGATE_EXCEPTIONS: Exceptions are re-raised rather than handled by the error handlers.",
    "If not set, this is implicitly true if TESTING or DEBUG is enabled.",
    "Default: None",
    "TRAP_HTTP_EXCEPTIONS: An HTTP exception is re-raised to the interactive debugger.",
    "Default: False",
]


def test_a_field_is_quoted_with_its_entry(fake_embedder: FakeEmbedder) -> None:
    chunk = make_chunk(FLASK, sep="\n\n")
    units = [u.text for u in candidate_units([hit(chunk)])]
    assert "\n\n".join(FLASK[:3]) in units  # from the entry's term, not the sentence before
    assert "\n\n".join(FLASK[3:]) in units
    assert FLASK[2] not in units and FLASK[4] not in units  # no field alone
    question = "What is the default value of PROPAGATE_EXCEPTIONS?"
    assert ask(fake_embedder, question, [chunk]).citations[0].cited == "\n\n".join(FLASK[:3])
    # asking for the default prefers the entry that states it
    entry = next(u for u in candidate_units([hit(chunk)]) if u.field == "Default")
    assert entry.term == "PROPAGATE_EXCEPTIONS"
    plain = rank_score(entry, "What is the value of PROPAGATE_EXCEPTIONS?")
    assert rank_score(entry, question) - plain == pytest.approx(ANSWER_TYPE_BONUS)


def test_a_field_far_from_any_term_comes_with_the_sentence_before() -> None:
    sentences = [
        "PROPAGATE_EXCEPTIONS: Exceptions are re-raised.",
        "x = 1",
        "The handlers never see them.",
        "Default: None",
    ]
    chunk = dataclasses.replace(make_chunk(sentences, sep="\n\n"), code=(1,))
    *_, field = candidate_units([hit(chunk)])
    assert field.text == "\n\n".join(sentences[2:])  # no entry across code
    assert field.term is None
    many = [
        f"{word.capitalize()} is one of the entry's many sentences here." for word in "abcdefgh"
    ]
    chunk = make_chunk(["TERM: An entry.", *many, "Default: None"], sep="\n\n")
    *_, field = candidate_units([hit(chunk)])
    assert field.text == "\n\n".join([many[-1], "Default: None"])  # the term is too far above


def test_asking_for_a_default_prefers_a_sentence_stating_one() -> None:
    sentences = [
        "If you make requests to many different hosts, increase this number of pools.",
        "By default, it will keep a maximum of 10 pools.",
    ]
    more, default = candidate_units([hit(make_chunk(sentences))])
    asked, plain = "How many pools does it keep by default?", "How many pools does it keep?"
    assert rank_score(default, asked) - rank_score(default, plain) == pytest.approx(
        ANSWER_TYPE_BONUS
    )
    assert rank_score(more, asked) == rank_score(more, plain)


def test_a_sentence_introducing_code_is_not_a_heading(fake_embedder: FakeEmbedder) -> None:
    intro = "To silence the warnings of unverified requests, call disable_warnings:"
    chunk = make_chunk(
        [intro, "Unverified requests print warnings of unverified requests."], sep="\n"
    )
    answer = ask(fake_embedder, "How do I silence the warnings of unverified requests?", [chunk])
    assert answer.citations[0].cited == intro


def test_a_how_to_question_prefers_a_sentence_naming_an_api(fake_embedder: FakeEmbedder) -> None:
    sentences = [
        "A streamed connection is handed back to the pool later.",
        "To hand a streamed connection back, call release_conn().",
    ]
    chunk = make_chunk(sentences)
    question = "How do I hand a streamed connection back to the pool?"
    assert ask(fake_embedder, question, [chunk]).citations[0].cited == sentences[1]


def test_a_short_code_block_comes_with_the_sentence_that_introduces_it(
    fake_embedder: FakeEmbedder,
) -> None:
    sentences = [
        "CHUNK is the buffer size for inflate() and deflate(); larger buffers are faster.",
        "#define LEN 16384 /* bytes read at a time */",
        "The def() routine compresses data from an input file to an output file.",
    ]
    chunk = dataclasses.replace(make_chunk(sentences, sep="\n\n"), code=(1,))
    answer = ask(fake_embedder, "What buffer size does the inflate() example use?", [chunk])
    assert answer.citations[0].cited == "\n\n".join(sentences[:2])
    # a longer block is not quoted whole
    lines = [sentences[0], *[f"x{i} = {i}" for i in range(4)]]
    long = dataclasses.replace(make_chunk(lines, sep="\n\n"), code=(1, 2, 3, 4))
    assert code_after(long, sentence_spans(long), 0, 0) == 0
    assert code_after(chunk, sentence_spans(chunk), 0, 0) == 1
