"""Why a file is skipped: every reason's English template, with named fields.

A reader raises :class:`index.documents.SkipFile` with one of these templates and its fields;
the build keeps the English sentence (``reason``, what the CLI, the log and ``docbot index
--json`` show) and, beside it in the manifest, the template and its fields, so a reader of
another language can say it in its own words (the bot's catalogues translate each template as
a ``msgid``; ``tests/test_catalogue.py`` fails on one they miss). A field holds a number, a
name or a library's own message, never words to translate; no template has a literal brace.
"""

from __future__ import annotations

# --- the folder (index.loading.scan) --------------------------------------------------------
BROKEN_SYMLINK = "a broken symlink"
SYMLINK_OUTSIDE = "a symlink that points outside the documents folder"
UNSUPPORTED = "unsupported file type ({kind}); supported: {supported}"
UNSUPPORTED_NO_EXTENSION = "unsupported file type (no extension); supported: {supported}"
VANISHED_FROM_FOLDER = "it vanished while the folder was being read"
UNREADABLE = "unreadable: {error}"
PERMISSION_DENIED = "unreadable: permission denied"
NOT_A_REGULAR_FILE = "not a regular file"
EMPTY = "empty"
TOO_LARGE = "too large ({size:.1f} MB; the limit is {limit:.1f} MB)"

# --- reading a file (index.loading.load and the readers) ------------------------------------
VANISHED_DURING_BUILD = "it vanished during the build"
NO_TEXT = "no text in it"
NO_SENTENCES = "no sentences in it"
UNREADABLE_MARKUP = "unreadable markup ({error})"
TOO_LARGE_IN_MEMORY = "too large to read in memory"
NESTED_TOO_DEEP = "nested too deep to read"
NOT_A_READABLE_KIND = "not a readable {kind} file ({error})"
BINARY = "not a text file (binary content)"
NOT_UTF8 = "not UTF-8 text ({bad} undecodable bytes)"
ENCRYPTED_PDF = "an encrypted PDF"
NOT_A_READABLE_PDF = "not a readable PDF ({error})"
PDF_WITHOUT_OCR = "a PDF with no text layer (scanned?): not read (OCR is not available here)"
PDF_OCR_FAILED = "a PDF with no text layer (scanned?): not read: {problem}"
PDF_OCR_FOUND_NONE = "a PDF with no text layer (scanned?): OCR found no text in it"
IMAGE_WITHOUT_OCR = "an image: not read (OCR is not available here)"
IMAGE_OCR_FAILED = "an image: not read: {problem}"
IMAGE_OCR_FOUND_NONE = "an image: OCR found no text in it"
HTML_NESTING = "HTML nested more than {limit} levels deep"
RST_LONG_LINE = "a line of {length:,} characters (reStructuredText allows {limit:,})"
UNREADABLE_RST = "unreadable reStructuredText ({error})"
TOO_MANY_BLOCKS = "too many paragraphs or rows (over {limit:,})"
TOO_MUCH_TEXT = "too much text (over {limit:,} characters)"
NOT_A_READABLE_CSV = "not a readable CSV file ({error})"
NOT_RTF = "not an RTF file (no {header} header)"
RTF_NESTING = "braces nested over {limit:,} deep"
NO_CONTAINER = "not an e-book (no META-INF/container.xml)"
NO_PACKAGE = "not an e-book (its container names no package file)"
DAMAGED_EBOOK = "a damaged e-book (no {part})"

# --- office files and e-books as zip archives (index.archives) ------------------------------
OLD_OR_LOCKED = (
    "a password-protected (encrypted) {kind} file, or one in the old binary format;"
    " save it without a password in the current format to index it"
)
NOT_ZIPPED = "not a {kind} file (it is no zip archive)"
DAMAGED = "a damaged {kind} file ({error})"
TOO_MANY_MEMBERS = "an archive of {members:,} members (the limit is {limit:,})"
ENCRYPTED_ARCHIVE = "a password-protected (encrypted) archive"
UNPACKS_TOO_LARGE = "unpacks to {size:,.0f} MB (the limit is {limit:,.0f} MB; a zip bomb?)"
PART_TOO_LARGE = (
    "its part {part} unpacks to {size:,.0f} MB (the limit is {limit:,.0f} MB; a zip bomb?)"
)
PART_RATIO = (
    "its part {part} unpacks to {ratio:,} times its packed size (the limit is {limit}; a zip bomb?)"
)
PART_OVERFLOWS = "its part {part} unpacks to more than it declares"
PART_ENTITIES = "its part {part} declares XML entities (an entity-expansion attack?)"

# An OCR outcome's three reasons (OCR off, OCR failing, OCR reading nothing), by what was read
PDF_UNREAD = (PDF_WITHOUT_OCR, PDF_OCR_FAILED, PDF_OCR_FOUND_NONE)
IMAGE_UNREAD = (IMAGE_WITHOUT_OCR, IMAGE_OCR_FAILED, IMAGE_OCR_FOUND_NONE)


def templates() -> list[str]:
    """Every reason's template (each once)."""
    found = [v for k, v in globals().items() if k.isupper() and isinstance(v, str)]
    return list(dict.fromkeys(found))
