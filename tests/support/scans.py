"""Page images of known text, as a scanner would make them: rendered with Pillow (DejaVu Sans
from Debian's fonts-dejavu-core when present) at a resolution, with noise and skew, for the OCR
tests and ``benchmarks/ocr.py``."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
POINTS = 11  # the text's size, like a letter's
MARGIN_INCHES = 0.8
WIDTH_INCHES = 8.27  # A4
CHARS_A_LINE = 70


def font(dpi: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = round(POINTS * dpi / 72)
    if FONT.is_file():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size)


def render_page(
    text: str,
    dpi: int = 300,
    noise: float = 0.0,
    skew: float = 0.0,
    seed: int = 0,
    grain: float = 0.0,
    blur: float = 0.0,
) -> Image.Image:
    """``text`` (paragraphs split by blank lines) as a grayscale page at ``dpi``: ``noise`` is
    the share of pixels set to a random grey (speckle), ``skew`` a rotation in degrees,
    ``grain`` the standard deviation of Gaussian noise added to every pixel, ``blur`` a
    Gaussian blur's radius in pixels (a soft scan)."""
    face = font(dpi)
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        wrapped = textwrap.wrap(" ".join(paragraph.split()), CHARS_A_LINE, break_on_hyphens=False)
        lines.extend(wrapped or [""])
        lines.append("")
    step = round(POINTS * 1.5 * dpi / 72)
    margin = round(MARGIN_INCHES * dpi)
    width = round(WIDTH_INCHES * dpi)
    height = 2 * margin + step * len(lines)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, fill=0, font=face)
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    if noise or grain:
        page = _noisy(page, noise, grain, seed)
    return page


def _noisy(page: Image.Image, share: float, grain: float, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    pixels = np.asarray(page, dtype=np.float32)
    if grain:
        pixels = pixels + rng.normal(0.0, grain, pixels.shape).astype(np.float32)
    if share:
        hit = rng.random(pixels.shape) < share
        pixels[hit] = rng.integers(0, 256, int(hit.sum()))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def png_bytes(image: Image.Image, kind: str = "PNG", dpi: int = 300) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, dpi=(dpi, dpi))
    return out.getvalue()


def image_pdf(images: list[Image.Image], dpi: int = 300) -> bytes:
    """A PDF whose pages are only images (no text layer): a scan."""
    out = io.BytesIO()
    first, *rest = [im.convert("L") for im in images]
    first.save(out, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return out.getvalue()


ENGLISH = (
    "The budget committee met on the fourth of March. The Almaty region asked for 1.2 billion "
    "tenge to repair forty schools before the winter."
)
RUSSIAN = (
    "Комитет по бюджету собрался четвёртого марта. Алматинская область просила 1,2 миллиарда "
    "тенге на ремонт сорока школ до зимы."
)


def need_tesseract(*languages: str) -> None:
    """Skip the test when Tesseract (or one of ``languages``) is missing; under CI=true fail."""
    import shutil
    import subprocess

    from support.missing import missing as skip_or_fail

    lack = ""
    if shutil.which("tesseract") is None:
        lack = "Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-rus)"
    else:
        listed = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
        ).stdout.split()
        lacking = [code for code in languages if code not in listed]
        if lacking:
            lack = f"Tesseract lacks {lacking} (apt-get install tesseract-ocr-{lacking[0]})"
    if lack:
        skip_or_fail(lack)
