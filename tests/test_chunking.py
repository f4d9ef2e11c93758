"""Chunking: sentence windows with overlap, verbatim offsets, stable ids, deduplication."""

from __future__ import annotations

import itertools

from support.paths import DOCUMENTS, SEED_NAME

from index.chunking import Chunk, chunk_document, deduplicate
from index.documents import Document, Page, Section, clean_text
from index.loading import title_from_first_line
from index.settings import ChunkerSettings
from index.text import split_sentences


def _doc(text: str, source: str = "doc.txt", pages: tuple[Page, ...] = ()) -> Document:
    return Document(source, "hash", text, pages)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentence_splitting_respects_abbreviations_and_quotes() -> None:
    text = (
        'Mr. Smith met Dr. J. Doe in the U.S. capital. "It was tense." They left at 5 p.m. '
        "The next day? Nothing happened! Prices rose 2.5% in 2012."
    )
    assert _sentences(text) == [
        "Mr. Smith met Dr. J. Doe in the U.S. capital.",
        '"It was tense."',
        "They left at 5 p.m.",
        "The next day?",
        "Nothing happened!",
        "Prices rose 2.5% in 2012.",
    ]


def test_windows_are_verbatim_bounded_and_overlap_by_one_sentence() -> None:
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(40)]
    text = " ".join(sentences[:20]) + "\n\n" + " ".join(sentences[20:])
    settings = ChunkerSettings(max_words=30, overlap_sentences=1)
    chunks = chunk_document(_doc(text), settings)
    assert len(chunks) > 5
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert len(c.text.split()) <= 30
        assert [c.text[a:b] for a, b in c.sentences] == [s for s in sentences if s in c.text]
    for a, b in itertools.pairwise(chunks):
        assert a.sentence_texts()[-1] == b.sentence_texts()[0]  # overlap
    assert chunks[0].location() == "paragraph 1"
    assert chunks[-1].location() == "paragraph 2"
    assert any(c.location() == "paragraphs 1-2" for c in chunks)


def test_ids_are_stable_and_depend_on_source_and_text() -> None:
    text = "One sentence here. Another sentence there."
    a = chunk_document(_doc(text, "a.txt"))
    assert [c.id for c in a] == [c.id for c in chunk_document(_doc(text, "a.txt"))]
    assert [c.id for c in a] != [c.id for c in chunk_document(_doc(text, "b.txt"))]
    b = chunk_document(_doc(text, "b.txt"))
    assert a[0].search_key(False) == b[0].search_key(False)  # same text: same vector
    assert a[0].search_key(True) != b[0].search_key(True)  # titled by their names: "a" vs "b"


def test_pdf_chunks_carry_pages_and_never_cross_them() -> None:
    p1, p2 = "Apples grow on trees. They are red.", "Pears are green. They are sweet."
    text = p1 + "\n\n" + p2
    pages = (Page(1, 0, len(p1)), Page(2, len(p1) + 2, len(text)))
    chunks = chunk_document(_doc(text, "f.pdf", pages))
    assert [(c.page, c.text) for c in chunks] == [(1, p1), (2, p2)]
    assert chunks[1].location() == "page 2"


def test_run_on_line_is_cut_into_bounded_chunks() -> None:
    text = clean_text("word " * 50_000)
    chunks = chunk_document(_doc(text), ChunkerSettings(max_words=120))
    assert len(chunks) >= 400
    assert max(len(c.text.split()) for c in chunks) <= 120


def test_seed_repeated_block_is_dropped_in_favour_of_paragraphs() -> None:
    text = clean_text((DOCUMENTS / SEED_NAME).read_text(encoding="utf-8"))
    chunks = chunk_document(_doc(text, SEED_NAME))
    joined = [c.text for c in chunks]
    assert sum("neutralized 42 extremist groups" in t for t in joined) == 1
    assert sum("They will be managed by oblast Akims" in t for t in joined) == 1
    # The kept copy is the paragraph-structured one: no chunk starts in the block (paragraph 2).
    assert all(2 not in c.paragraphs for c in chunks)
    kept, dropped = deduplicate(chunks)
    assert len(kept) == len(chunks) and dropped == []


def test_deduplicate_drops_exact_and_near_copies_across_files() -> None:
    body = (
        "The committee met on Monday. It approved the budget for next year. "
        "Members argued about the roads. The vote was close. A new chair was elected."
    )
    a = chunk_document(_doc(body, "a.txt"))
    copy = chunk_document(_doc(body, "copy.txt"))
    near = chunk_document(_doc(body + " Reporters waited outside.", "near.txt"))
    other = chunk_document(_doc("Completely different text about cats. Cats sleep a lot.", "c.txt"))
    kept, dropped = deduplicate(a + copy + near + other)
    assert [c.source for c in kept] == ["a.txt", "c.txt"]
    assert {c.source for c, _ in dropped} == {"copy.txt", "near.txt"}
    assert all(dup == a[0].id for _, dup in dropped)


def test_no_sentence_is_lost_to_deduplication() -> None:
    """A short last sentence after a long overlapping one used to vanish with its window."""
    long = " ".join(["alpha"] * 24) + " ends here."
    text = f"First sentence is here. {long} Short tail."
    chunks = chunk_document(_doc(text), ChunkerSettings(max_words=30, overlap_sentences=1))
    kept, _ = deduplicate(chunks)
    kept_text = " ".join(c.text for c in kept)
    for sentence in _sentences(text):
        assert sentence in kept_text


def test_chunks_carry_title_and_the_section_of_their_first_sentence() -> None:
    intro, heading = "An opening line here.", "Install additional Python versions"
    body = "Run pyenv install. It downloads the source. Then it builds Python."
    text = f"{intro}\n\n{heading}\n\n{body}"
    start = text.index(heading)
    doc = Document(
        "guide.md", "hash", text, title="Python guide",
        sections=(Section(start, len(text), heading),),
    )  # fmt: skip
    chunks = chunk_document(doc, ChunkerSettings(max_words=5, overlap_sentences=0))
    first, *_, last = chunks
    assert (first.section, first.title, first.location()) == ("", "Python guide", "paragraph 1")
    assert chunks[1].text == heading and chunks[1].section == heading
    assert last.section == heading
    assert last.location() == '"Install additional Python versions", paragraph 3'
    assert Chunk.from_json(last.to_json()) == last


def test_location_with_a_section_keeps_the_place_and_cuts_a_long_heading() -> None:
    chunk = Chunk("id", "a.md", "Text.", 0, 5, paragraphs=(4, 5), section="Setup")
    assert chunk.location() == '"Setup", paragraphs 4-5'
    assert chunk.location(1) == '"Setup", paragraph 5'
    assert Chunk("id", "a.md", "T.", 0, 2, section="Setup").location() == '"Setup"'
    long = Chunk("id", "a.md", "T.", 0, 2, paragraphs=(1,), section="word " * 100)
    assert len(long.location()) < 100 and long.location().endswith('…", paragraph 1')


def test_old_chunk_rows_without_title_or_section_still_load() -> None:
    row = {"id": "x", "source": "a.txt", "text": "Hi.", "start": 0, "end": 3, "page": None}
    chunk = Chunk.from_json(row)
    assert (chunk.title, chunk.section, chunk.location()) == ("", "", "")
    assert Chunk.from_json(chunk.to_json()) == chunk


def test_seed_chunks_carry_its_file_name_as_title() -> None:
    """The seed's first line is a photo caption ("... operation. Photo by ..."), not a title."""
    text = clean_text((DOCUMENTS / SEED_NAME).read_text(encoding="utf-8"))
    assert title_from_first_line(text) is None
    chunks = chunk_document(_doc(text, SEED_NAME))
    assert {c.title for c in chunks} == {
        "kazakhstan national security commission counter terrorism 2011 2012"
    }
    assert {c.section for c in chunks} == {""}


def test_code_is_read_line_by_line_never_split_at_its_dots() -> None:
    """Issue 23: a code line is a unit of its own (quotable, found by its sentence vector);
    prose around it is split into sentences as before."""
    text = "Use the call. It is short.\n\nos.path.join(a, b). Then x.Y = 2\n    z = 3\n\nThe end."
    start = text.index("os.")
    code = ((start, text.index("\n\nThe end")),)
    doc = Document("a.md", "h", text, code=code)
    [chunk] = chunk_document(doc)
    units = chunk.sentence_texts()
    assert units == [
        "Use the call.",
        "It is short.",
        "os.path.join(a, b). Then x.Y = 2",
        "z = 3",
        "The end.",
    ]
    assert chunk.code == (2, 3)
    assert Chunk.from_json(chunk.to_json()) == chunk
