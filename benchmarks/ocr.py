"""OCR accuracy and speed on pages of known text rendered here (issue 27).

    OMP_THREAD_LIMIT=1 .venv/bin/python -m benchmarks.ocr [--languages eng+rus eng+rus+kaz]

English and Russian pages and a Kazakh one (text written for this benchmark) are rendered
with Pillow (``tests/support/scans.py``: DejaVu Sans 11 pt, A4 width) at 150 and 300 dpi: clean,
with speckle (a share of pixels set to a random grey), and blurred with Gaussian grain, all but
the clean ones skewed 2°. The product's OCR (``index.ocr.Ocr``, no cache) reads each with every
language setting and the despeckle filter on and off, interleaved page by page. Character
accuracy is 1 - CER: the edit distance between what was read and the text, whitespace
collapsed, over the text's length. Prints one JSON line per reading and a Markdown table of
medians per condition (wall seconds, and CPU seconds of this process and Tesseract, which a busy
machine does not inflate); Tesseract runs on one thread (OMP_THREAD_LIMIT=1 is set when unset).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import time
from dataclasses import dataclass

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from index.ocr import Ocr
from index.settings import OcrSettings
from tests.support.scans import render_page

ENGLISH_PAGES = (
    "Minutes of the regional budget committee, fourth of March 2026. Present: the chair, "
    "six members and two guests from the education office. The meeting opened at 10:15.\n\n"
    "The committee reviewed the request of the Almaty region for 1.2 billion tenge to repair "
    "forty schools before the winter. Roofs come first: twelve buildings leak, three of them "
    "badly. Heating systems follow, then windows. The office will report on progress every "
    "month, with photographs and the invoices paid.\n\n"
    "Decision: the request is approved in part. 800 million tenge is released now; the rest "
    "waits for the audit of last year's spending, due on 30 June. Votes: 7 for, 1 against.",
    "Travel policy, version 3. Staff book trains and flights through the travel desk at "
    "least ten working days ahead; a later booking needs the manager's written approval.\n\n"
    "Hotels are paid up to 45,000 tenge a night in Astana and Almaty and up to 30,000 "
    "elsewhere. Taxis are refunded against a receipt when no public transport runs after "
    "9 p.m., or when the trip carries equipment heavier than 20 kg.\n\n"
    "Claims go in within 30 days of the return, with every receipt scanned as one PDF file. "
    "Questions about the policy: travel@example.org or extension 4417.",
)
RUSSIAN_PAGES = (
    "Протокол заседания бюджетной комиссии от четвёртого марта 2026 года. Присутствовали "
    "председатель, шесть членов комиссии и два представителя управления образования.\n\n"
    "Комиссия рассмотрела заявку Алматинской области на 1,2 миллиарда тенге для ремонта "
    "сорока школ до наступления зимы. В первую очередь ремонтируются крыши: протекают "
    "двенадцать зданий, три из них серьёзно. Затем отопление и окна. Управление ежемесячно "
    "отчитывается о ходе работ и прилагает фотографии и оплаченные счета.\n\n"
    "Решение: заявка одобрена частично. Сейчас выделяется 800 миллионов тенге, остальное "
    "после проверки расходов прошлого года, срок которой 30 июня. Голосовали: за 7, против 1.",
    "Положение о командировках, редакция 3. Сотрудники бронируют поезда и самолёты через "
    "отдел поездок не позднее чем за десять рабочих дней; более позднее бронирование требует "
    "письменного согласия руководителя.\n\n"
    "Гостиница оплачивается до 45 000 тенге в сутки в Астане и Алматы и до 30 000 в других "
    "городах. Такси возмещается по чеку, если после 21:00 не ходит общественный транспорт "
    "или в поездке перевозится оборудование тяжелее 20 кг.\n\n"
    "Отчёт подаётся в течение 30 дней после возвращения, все чеки одним файлом PDF.",
)

KAZAKH_PAGES = (
    "Бюджет комиссиясының отырысы, 2026 жылғы төртінші наурыз. Отырысқа төраға, комиссияның "
    "алты мүшесі және білім басқармасының екі өкілі қатысты.\n\n"
    "Комиссия Алматы облысының қыс басталғанға дейін қырық мектепті жөндеуге 1,2 миллиард "
    "теңге сұраған өтінішін қарады. Алдымен шатырлар жөнделеді: он екі ғимараттың төбесі "
    "ағады, оның үшеуі қатты. Содан кейін жылу жүйесі мен терезелер. Басқарма жұмыстың "
    "барысы туралы ай сайын есеп береді.\n\n"
    "Шешім: өтініш ішінара мақұлданды. Қазір 800 миллион теңге бөлінеді, қалғаны өткен "
    "жылғы шығындарды тексергеннен кейін, мерзімі 30 маусым. Дауыс берді: 7 қолдап, 1 қарсы.",
)


@dataclass(frozen=True)
class Condition:
    name: str
    dpi: int
    noise: float = 0.0  # share of pixels set to a random grey (speckle)
    skew: float = 0.0  # degrees
    grain: float = 0.0  # Gaussian noise's standard deviation (grey levels)
    blur: float = 0.0  # Gaussian blur's radius (pixels)


CONDITIONS = (
    Condition("300 dpi clean", 300),
    Condition("150 dpi clean", 150),
    Condition("300 dpi, 2% speckle, 2° skew", 300, noise=0.02, skew=2.0),
    Condition("150 dpi, 2% speckle, 2° skew", 150, noise=0.02, skew=2.0),
    Condition("300 dpi, 5% speckle, 2° skew", 300, noise=0.05, skew=2.0),
    Condition("300 dpi, blur 1 px, grain 40, 2° skew", 300, skew=2.0, grain=40.0, blur=1.0),
    Condition("150 dpi, blur 1 px, grain 40, 2° skew", 150, skew=2.0, grain=40.0, blur=1.0),
)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions of one character)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def accuracy(read: str, truth: str) -> float:
    """1 - CER, whitespace collapsed on both sides; never below 0."""
    got, want = " ".join(read.split()), " ".join(truth.split())
    return max(0.0, 1.0 - edit_distance(got, want) / max(len(want), 1))


def run(languages: list[str], despeckle: list[bool]) -> list[dict[str, object]]:
    """Each page image read with every setting in turn (interleaved, so a busy machine slows
    them alike)."""
    rows: list[dict[str, object]] = []
    pages = [("en", t) for t in ENGLISH_PAGES] + [("ru", t) for t in RUSSIAN_PAGES]
    pages += [("kk", t) for t in KAZAKH_PAGES]
    readers = {
        (langs, flag): Ocr(OcrSettings(languages=langs, cache=None, despeckle=flag))
        for langs in languages
        for flag in despeckle
    }
    for ocr in readers.values():
        if ocr.problem:
            raise SystemExit(f"benchmarks.ocr: {ocr.problem}")
    for c in CONDITIONS:
        for number, (lang, text) in enumerate(pages):
            image = render_page(text, c.dpi, c.noise, c.skew, number, c.grain, c.blur)
            for (langs, flag), ocr in readers.items():
                started, cpu = time.perf_counter(), _cpu()
                read = ocr.read(image) or ""
                seconds, cpu = time.perf_counter() - started, _cpu() - cpu
                row = {
                    "languages": langs,
                    "despeckle": flag,
                    "condition": c.name,
                    "text": lang,
                    "page": number,
                    "accuracy": round(accuracy(read, text), 4),
                    "seconds": round(seconds, 3),
                    "cpu_seconds": round(cpu, 3),
                }
                print(json.dumps(row, ensure_ascii=False), flush=True)
                rows.append(row)
    return rows


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as a child):
    what a page costs, whatever else the machine is doing."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| languages | despeckle | condition | text | accuracy (median) | worst | s/page | CPU s |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def key(r: dict[str, object]) -> tuple[object, ...]:
        return (r["languages"], r["despeckle"], r["condition"], r["text"])

    for k in dict.fromkeys(key(r) for r in rows):
        group = [r for r in rows if key(r) == k]
        acc = [float(str(r["accuracy"])) for r in group]
        secs = [float(str(r["seconds"])) for r in group]
        cpu = [float(str(r["cpu_seconds"])) for r in group]
        langs, flag, condition, text = k
        lines.append(
            f"| {langs} | {'on' if flag else 'off'} | {condition} | {text} "
            f"| {100 * statistics.median(acc):.1f} % | {100 * min(acc):.1f} % "
            f"| {statistics.median(secs):.2f} | {statistics.median(cpu):.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--languages", nargs="+", default=["eng+rus", "eng+rus+kaz"])
    parser.add_argument("--despeckle", nargs="+", choices=["on", "off"], default=["on", "off"])
    args = parser.parse_args()
    version = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, check=False
    )
    print(
        f"# tesseract {version.stdout.split()[1] if version.stdout else '?'}, "
        f"OMP_THREAD_LIMIT={os.environ.get('OMP_THREAD_LIMIT')}, {platform.machine()}, "
        f"{os.cpu_count()} cores"
    )
    rows = run(args.languages, [flag == "on" for flag in args.despeckle])
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
