"""OCR: the text of a page image, read by the Tesseract program (run as a child process).

A PDF page without a text layer is rendered (``pypdfium2``) and read; an image file's frames are
read as its pages. Each page's text is cached by a hash of its pixels, the languages and the
engine's version, so a rebuild reads no page twice. OCR is optional: without Tesseract the
page counts as empty and the build says once how to install it (:meth:`Ocr.notes`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from index.settings import OcrSettings

if TYPE_CHECKING:
    from PIL.Image import Image

TESSERACT = "tesseract"  # the program, found on the PATH
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-rus tesseract-ocr-kaz"
# A page image larger than this is scaled down before it is read (A3 at 300 dpi is ~17.5 MP);
# an image file larger than MAX_IMAGE_PIXELS is not read at all (a decompression bomb).
MAX_PAGE_PIXELS = 40_000_000
MAX_IMAGE_PIXELS = 100_000_000
POINTS_PER_INCH = 72
CACHE_VERSION = 1  # bump when what is read from a page image changes (e.g. its cleaning)


class Ocr:
    """The OCR of one build: reads page images, keeps count, and says what it could not do."""

    def __init__(self, settings: OcrSettings | None = None) -> None:
        self.settings = settings or OcrSettings()
        self.read_pages = 0  # read by the engine
        self.cached_pages = 0  # taken from the cache
        self.unread_pages = 0  # needed OCR but were not read (off, missing engine, limit)
        self._problem: str | None = None
        self._engine: tuple[str, str] | None = None  # (version, languages) once checked
        self._lacking: list[str] = []  # languages asked for that Tesseract does not have

    @property
    def problem(self) -> str | None:
        """Why pages cannot be read (OCR off, no engine), or None when they can."""
        self._check()
        return self._problem

    def read(self, image: Image) -> str | None:
        """The text of one page image ("" for a blank page); None when it cannot be read."""
        if self.problem is not None or self._engine is None:
            self.unread_pages += 1
            return None
        image = page_image(image)
        despeckle = "despeckle" if self.settings.despeckle else ""
        key = page_key(image, *self._engine, despeckle)
        cached = self._cached(key)
        if cached is not None:
            self.cached_pages += 1
            return cached
        text = self._run(despeckled(image) if despeckle else image)
        if text is None:
            self.unread_pages += 1
            return None
        self.read_pages += 1
        self._store(key, text)
        return text

    def skip(self, pages: int) -> None:
        """``pages`` that needed OCR were left unread (over the per-file limit)."""
        self.unread_pages += pages

    def notes(self) -> list[str]:
        """One line for the build's report: what OCR did, or why it did not."""
        if self.unread_pages and self.problem:
            return [f"{self.unread_pages} page(s) without a text layer not read: {self.problem}"]
        lines = []
        if self.read_pages or self.cached_pages:
            lines.append(
                f"OCR ({self._languages()}): {self.read_pages} page(s) read, "
                f"{self.cached_pages} from the cache"
            )
            if self._lacking:
                packages = " ".join(f"tesseract-ocr-{code}" for code in self._lacking)
                lines.append(
                    f"OCR read without {'+'.join(self._lacking)}: apt-get install {packages}"
                )
        if self.unread_pages:
            lines.append(
                f"{self.unread_pages} page(s) without a text layer not read (over the limit of "
                f"{self.settings.max_pages} a file, or the engine failed on them)"
            )
        return lines

    def _languages(self) -> str:
        return self._engine[1] if self._engine else self.settings.languages

    def _check(self) -> None:
        if self._engine is not None or self._problem is not None:
            return
        if not self.settings.enabled:
            self._problem = "OCR is turned off (DOCBOT_OCR=false)"
            return
        if shutil.which(TESSERACT) is None:
            self._problem = f"Tesseract is not installed; to read them: {INSTALL}"
            return
        try:
            version = tesseract(["--version"]).split("\n", 1)[0].strip()
            have = {code.strip() for code in tesseract(["--list-langs"]).splitlines()[1:]}
        except (OSError, subprocess.SubprocessError) as exc:
            self._problem = f"Tesseract does not run ({exc}); reinstall it: {INSTALL}"
            return
        wanted = [code for code in self.settings.languages.split("+") if code.strip()]
        usable = [code for code in wanted if code in have]
        self._lacking = [code for code in wanted if code not in have]
        if not usable:
            self._problem = (
                f"Tesseract has none of the languages {self.settings.languages!r} "
                f"(it has {'+'.join(sorted(have - {'osd'}))}); {INSTALL}"
            )
            return
        self._engine = (version, "+".join(usable))

    def _run(self, image: Image) -> str | None:
        assert self._engine is not None
        png = io.BytesIO()
        image.save(png, "PNG", compress_level=1)
        args = ["stdin", "stdout", "-l", self._engine[1]]
        try:
            raw = tesseract(args, png.getvalue(), self.settings.timeout_s)
        except (OSError, subprocess.SubprocessError):
            return None
        return ocr_text(raw)

    def _cached(self, key: str) -> str | None:
        folder = self.settings.cache
        if folder is None:
            return None
        try:
            return (folder / key[:2] / f"{key}.txt").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def _store(self, key: str, text: str) -> None:
        """Written atomically; a cache that cannot be written only costs a later re-read."""
        folder = self.settings.cache
        if folder is None:
            return
        target = folder / key[:2] / f"{key}.txt"
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".ocr-", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, target)


def tesseract(args: list[str], stdin: bytes | None = None, timeout: float | None = None) -> str:
    """Tesseract's output for ``args`` (the image, if any, on its stdin); ``OSError`` when it
    fails. It runs on one thread unless OMP_THREAD_LIMIT says otherwise: its OpenMP threads
    took 3.6x the time and 2.8x the CPU of one on a busy 2-core machine (benchmarks/RESULTS.md,
    "OCR of scanned pages and images"); pages are read one after another anyway."""
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    done = subprocess.run(
        [TESSERACT, *args], input=stdin, capture_output=True, timeout=timeout, env=env, check=False
    )
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise OSError(f"tesseract exited with {done.returncode}: {last[0]}")
    return done.stdout.decode("utf-8", "replace")


def page_image(image: Image) -> Image:
    """Grayscale, and no larger than :data:`MAX_PAGE_PIXELS`: what is read and hashed."""
    gray = image.convert("L")
    pixels = gray.width * gray.height
    if pixels <= MAX_PAGE_PIXELS:
        return gray
    scale = (MAX_PAGE_PIXELS / pixels) ** 0.5
    size = (max(1, int(gray.width * scale)), max(1, int(gray.height * scale)))
    return gray.resize(size)


def despeckled(image: Image) -> Image:
    """Isolated dark and light pixels (a scan's dust and grain) gone: a 3x3 median filter. On
    rendered pages with 2 % speckle and a 2° skew it raised accuracy from 93-98 % to 99.6-100 %,
    cost clean pages at most 0.4 points and ~2 % more CPU (benchmarks/RESULTS.md, "OCR of
    scanned pages and images")."""
    from PIL import ImageFilter

    return image.filter(ImageFilter.MedianFilter(3))


def page_key(image: Image, version: str, languages: str, steps: str = "") -> str:
    """The cache key of a page: its pixels, the languages, the engine's version and the steps
    run on the image before it is read."""
    digest = hashlib.sha256()
    size = f"{image.width}x{image.height}"
    head = f"{CACHE_VERSION}\n{version}\n{languages}\n{steps}\n{image.mode}\n{size}\n"
    digest.update(head.encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


_HYPHENATED = re.compile(r"(?<=[^\W\d_])-\n(?=[^\W\d_])")


def ocr_text(raw: str) -> str:
    """Tesseract's lines as the loader's text: a word hyphenated at a line end joined again,
    the page break character gone (visual lines are joined by the loader)."""
    return _HYPHENATED.sub("", raw.replace("\x0c", "\n"))


def pdf_page_images(data: bytes, numbers: list[int], dpi: int) -> Iterator[tuple[int, Image]]:
    """Pages ``numbers`` (1-based) of a PDF rendered at ``dpi``, no larger than
    :data:`MAX_PAGE_PIXELS`, leaving out pages on which nothing is drawn (a PDF of 10,000 blank
    pages costs no OCR); raises ``ValueError`` when pdfium cannot open the file."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise ValueError(str(exc)) from exc
    try:
        for number in numbers:
            page = pdf[number - 1]
            if next(iter(page.get_objects()), None) is None:  # nothing drawn: a blank page
                page.close()
                continue
            width, height = page.get_size()
            scale = dpi / POINTS_PER_INCH
            area = max(width * height, 1.0) * scale * scale
            if area > MAX_PAGE_PIXELS:
                scale *= (MAX_PAGE_PIXELS / area) ** 0.5
            try:
                bitmap = page.render(scale=scale, grayscale=True)
                yield number, bitmap.to_pil()
            except pypdfium2.PdfiumError:
                continue
            finally:
                page.close()
    finally:
        pdf.close()


def image_frames(data: bytes, limit: int) -> tuple[int, Iterator[Image]]:
    """How many frames (pages) an image file has, and its first ``limit`` frames one at a time
    as upright pictures on white (a phone photo's EXIF rotation applied, transparency on white,
    16-bit greys scaled), each checked against :data:`MAX_IMAGE_PIXELS` before it is decoded;
    a frame that cannot be decoded ends them. Raises ``ValueError`` with the reason when the
    file is no image Pillow reads, or too large."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():  # its size is checked here, before it is decoded
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        _check_size(image)
        count = int(getattr(image, "n_frames", 1))
    except ValueError:
        raise
    except Exception as exc:  # Pillow raises many kinds of errors on damaged files
        raise ValueError(f"not a readable image ({type(exc).__name__})") from exc
    return count, _frames(image, min(count, limit))


def _check_size(image: Image) -> None:
    if image.width * image.height > MAX_IMAGE_PIXELS:
        megapixels = image.width * image.height / 1e6
        raise ValueError(f"an image of {megapixels:.0f} megapixels (the limit is 100)")


def _frames(image: Image, count: int) -> Iterator[Image]:
    for i in range(count):
        try:
            image.seek(i)
            _check_size(image)
            yield upright_on_white(image)
        except Exception:  # a damaged or oversized frame: the rest are not read
            return


def upright_on_white(image: Image) -> Image:
    """A picture as a reader sees it: EXIF rotation applied, transparency on white, 16-bit and
    32-bit greys scaled to 8 bits."""
    from PIL import Image as Images
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode.startswith("I;16") or image.mode == "I":
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Images.alpha_composite(Images.new("RGBA", rgba.size, "white"), rgba)
    return image


def cache_folder(index_dir: Path) -> Path:
    """Where the OCR cache of the index at ``index_dir`` lives: beside it, so a new build folder
    (or a PostgreSQL version) reuses it."""
    return index_dir.parent / f"{index_dir.name}.ocr"
