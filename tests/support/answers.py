"""Answers built by hand, for the tests of how answers are shown (no engine, no model)."""

from __future__ import annotations

from bot.answering.answers import Answer, Citation, ShortAnswer

AKIMS_QUOTE = (
    "The Central Communications Service explains that new legislative amendments for countering "
    "extremism have made it possible to create regional anti-terrorist commissions in "
    "Kazakhstan's oblasts. They will be managed by oblast Akims (Governors). The decision was "
    "conditioned by the fact that heads of local executive authorities have the power and "
    "resources."
)
AKIMS_SENTENCE = "They will be managed by oblast Akims (Governors)."
AKIMS_PHRASE = "oblast Akims (Governors)"
AKIMS_TITLE = "Kazakhstan neutralized 42 extremist groups"


def cite(
    n: int,
    quote: str,
    cited: str,
    *,
    source: str = "seed.txt",
    title: str = "",
    location: str = "",
) -> Citation:
    """Citation ``n`` quoting ``quote`` with ``cited`` (its first occurrence) highlighted."""
    start = quote.index(cited)
    where = location or f"paragraph {n}"
    return Citation(n, source, where, quote, (start, start + len(cited)), 0.8, f"c{n}", title)


def short_in(citation: Citation, phrase: str) -> ShortAnswer:
    """``phrase`` as the short answer, found inside ``citation``'s highlighted text."""
    a, b = citation.highlight
    start = citation.quote.index(phrase, a, b)
    return ShortAnswer(phrase, citation.n, start, start + len(phrase), 0.9)


def answer_of(*citations: Citation, short: ShortAnswer | None = None) -> Answer:
    """A found answer citing ``citations`` in order ("cited [1] cited [2]")."""
    text = " ".join(f"{c.cited} [{c.n}]" for c in citations)
    return Answer("q?", "q?", text, True, citations, short=short)


def akims(title: str = AKIMS_TITLE, source: str = "seed.txt", short: bool = True) -> Answer:
    """The answer to "who manages the regional commissions?": "oblast Akims (Governors)" [1]."""
    citation = cite(1, AKIMS_QUOTE, AKIMS_SENTENCE, source=source, title=title)
    return answer_of(citation, short=short_in(citation, AKIMS_PHRASE) if short else None)
