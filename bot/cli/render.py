"""What the terminal shows: build reports, search hits, answers and eval figures, as text or as
the JSON lines that scripts read (``--json``)."""

from __future__ import annotations

import contextlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from typing import TextIO

from bot.answering.answers import Answer
from bot.answering.evaluate import Figures, label
from bot.answering.generation import generation_of
from bot.answering.titles import distinct_title
from index.report import BuildReport, FileReport, Progress
from index.retriever import Hit


def progress_bars() -> Progress:
    """tqdm bars on a terminal, one plain line per stage otherwise."""
    interactive = sys.stderr.isatty()

    @contextlib.contextmanager
    def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
        if interactive and total:
            from tqdm import tqdm

            with tqdm(total=total, desc=label, unit="item", leave=False) as bar:
                yield bar.update
        else:
            if total and label.startswith("embedding"):
                what = label.removeprefix("embedding").strip() or "chunks"
                print(f"embedding {total} {what}...", file=sys.stderr, flush=True)
            yield lambda n: None

    return progress


def note(line: str) -> None:
    """A note about the index for the operator (e.g. one written before checksums)."""
    print(f"docbot: note: {line}", file=sys.stderr)


def print_report(report: BuildReport, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    files = report.unchanged + len(report.added) + len(report.changed)
    print(
        f"Indexed {report.chunks} chunk(s) from {files} file(s) in {report.seconds:.1f} s:"
        f" {len(report.added)} added, {len(report.changed)} changed,"
        f" {len(report.removed)} removed, {len(report.skipped)} skipped;"
        f" {report.embedded} chunk(s) embedded, {report.reused} reused"
        f" ({report.units_embedded} answer sentence(s) embedded"
        f"{multilingual_part(report)}),"
        f" {report.duplicates} duplicate(s) dropped.",
        file=out,
    )
    for line in report.notes:
        print(f"  note: {line}", file=out)
    for f in report.files:
        if f.read:
            print(f"  read {f.source}: {file_figures(f)}", file=out)
    for s in report.skipped:
        print(f"  skipped {s.source}: {s.reason}", file=out)


def multilingual_part(report: BuildReport) -> str:
    """How many chunks the multilingual model embedded, when it did (index.multilingual)."""
    n = report.multilingual_embedded
    return f"; {n} chunk(s) embedded by the multilingual model" if n else ""


def file_figures(f: FileReport) -> str:
    """What was read of one file, as a phrase: "3 page(s) with text, 2 by OCR, 1 empty,
    1 table(s), 9 passage(s)"; a file without pages says only its tables and passages."""
    parts = []
    if f.text_pages or f.ocr_pages or f.empty_pages:
        parts.append(f"{f.text_pages} page(s) with text")
        parts.append(f"{f.ocr_pages} by OCR")
        parts.append(f"{f.empty_pages} empty")
    if f.tables:
        parts.append(f"{f.tables} table(s)")
    parts.append(f"{f.passages} passage(s)")
    return ", ".join(parts)


def hit_json(hit: Hit) -> dict[str, object]:
    """One hit of the ``search --json`` contract."""
    return {
        "rank": hit.rank,
        "source": hit.chunk.source,
        "title": hit.chunk.title,
        "location": hit.chunk.location(),
        "text": hit.chunk.text,
        "score": round(hit.score, 4),
    }


def print_hits(query: str, hits: list[Hit]) -> None:
    print(f"? {query}")
    for h in hits:
        where = f"{h.chunk.source}, {h.chunk.location()}".rstrip(", ")
        text = " ".join(h.chunk.text.split())
        more = "..." if len(text) > 300 else ""
        print(f"  {h.rank}. [{h.score:.3f}] {where}\n     {text[:300]}{more}")
    print()


def answer_json(answer: Answer) -> dict[str, object]:
    """The ``ask --json`` contract: one object per question. ``generated``: the answer is a
    model's verified sentences (``DOCBOT_LLM_URL``); ``dropped``: the sentences verification
    refused, with the reason."""
    generated, dropped = generation_of(answer)
    return {
        "question": answer.question,
        "answer": answer.text,
        "found": answer.found,
        "citations": [
            {
                "n": c.n,
                "source": c.source,
                "title": c.title,
                "location": c.location,
                "text": c.quote,
                "score": c.score,
            }
            for c in answer.citations
        ],
        "short_answer": answer.short.to_json() if answer.short else None,
        "generated": generated,
        "dropped": [d.to_json() for d in dropped],
    }


def answer_text(answer: Answer, width: int = 100) -> str:
    """The short answer with its [n] marker when there is one, then the answer sentence(s), then
    each numbered source (its title too, when that says more than the file name) with its quote,
    the cited text marked »like this«."""
    lines: list[str] = []
    if answer.found and answer.short is not None and answer.short.text.strip():
        phrase = " ".join(answer.short.text.split())
        lines.extend(textwrap.wrap(f"{phrase} [{answer.short.n}]", width))
    lines.extend(textwrap.wrap(answer.text, width) or [answer.text])
    if not answer.found:
        if answer.related:
            lines.append("Closest passages (not an answer): " + "; ".join(answer.related))
        return "\n".join(lines)
    lines.append("")
    for c in answer.citations:
        title = distinct_title(c)
        where = ", ".join(p for p in (c.source, c.location) if p)
        a, b = c.highlight
        marked = " ".join(f"{c.quote[:a]}»{c.quote[a:b]}«{c.quote[b:]}".split())
        lines.append(f"[{c.n}] {title} — {where}" if title else f"[{c.n}] {where}")
        lines.extend(textwrap.wrap(marked, width, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)


def print_figures(f: Figures) -> None:
    print(
        f"{f.file}: {f.questions} question(s), {f.answerable} answerable, "
        f"{f.offtopic} to be not found; k={f.k}"
    )

    def show(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    names = ("hit", "mrr", "ndcg", "recall", "located", "answer", "refused", "notfound")
    for name in (*names, "exact", "f1", "accuracy"):
        print(f"  {label(name, f.k):<20} {show(getattr(f, name))}")
    if f.no_relevant:
        print(f"  ({f.no_relevant} answerable question(s) have no relevant passage in the index)")
    for m in f.misses:
        expected = " / ".join(str(e) for e in m["expect"]) or "not found"  # type: ignore[attr-defined]
        got = str(m["answer"])
        got = got if len(got) <= 160 else got[:157] + "..."
        print(f"  miss {m['id']}: {m['question']!r} expected {expected!r}, got {got!r}")
