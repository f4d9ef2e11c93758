"""PowerPoint decks (.pptx, and .pptm with its macros left unread) to the text a reader sees,
with python-pptx: each slide is the place 'slide 4', its title a section, its text boxes'
paragraphs (top to bottom, left to right, groups opened) paragraphs, its tables one paragraph
per row with the column headers ('slide 4, row 2'), its speaker notes paragraphs ('slide 4,
notes'). Hidden slides are left out (the others keep their numbers). The title is the deck's
properties' title, else the first slide's title. Charts, pictures and SmartArt are not read."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from index.archives import open_archive
from index.layout import Layout

if TYPE_CHECKING:
    from pptx.shapes.base import BaseShape
    from pptx.slide import Slide

KIND = "PowerPoint"
MAX_DEPTH = 20  # groups inside groups read this deep


def slides_layout(data: bytes) -> Layout:
    """The layout of a .pptx or .pptm file (see the module); raises SkipFile."""
    from pptx import Presentation

    open_archive(data, KIND)
    deck = Presentation(io.BytesIO(data))
    layout = Layout(title=deck.core_properties.title or "")
    for number, slide in enumerate(deck.slides, start=1):
        if slide._element.get("show") not in ("0", "false"):  # a hidden slide is not shown
            _slide(layout, slide, number)
    return layout


def _slide(layout: Layout, slide: Slide, number: int) -> None:
    layout.begin(f"slide {number}")
    title = slide.shapes.title
    heading = title.text_frame.text if title is not None and title.has_text_frame else ""
    if heading.strip():
        layout.heading(heading)
    else:
        layout.end_section()
    for shape in _ordered(slide.shapes):
        if title is None or shape.shape_id != title.shape_id:
            _shape(layout, shape, f"slide {number}", 0)
    if slide.has_notes_slide:
        layout.begin(f"slide {number}, notes")
        notes = slide.notes_slide.notes_text_frame
        for paragraph in notes.paragraphs if notes is not None else ():
            layout.add(paragraph.text)


def _ordered(shapes: Iterable[BaseShape]) -> list[BaseShape]:
    """Shapes as a reader reads them: top to bottom, then left to right."""
    return sorted(shapes, key=lambda s: (s.top or 0, s.left or 0))


def _shape(layout: Layout, shape: BaseShape, place: str, depth: int) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    try:
        kind = shape.shape_type
    except NotImplementedError:  # a shape python-pptx does not name: read its text if any
        kind = None
    if kind == MSO_SHAPE_TYPE.GROUP and depth < MAX_DEPTH:
        for inner in _ordered(shape.shapes):  # type: ignore[attr-defined]
            _shape(layout, inner, place, depth + 1)
    elif getattr(shape, "has_table", False):
        table = shape.table  # type: ignore[attr-defined]
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        layout.add_table(rows, place)
    elif shape.has_text_frame:
        for paragraph in shape.text_frame.paragraphs:  # type: ignore[attr-defined]
            layout.add(paragraph.text)
