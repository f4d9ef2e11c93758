"""What the bot says in chats, in one place (each handler adds the details)."""

REFUSED = "Sorry, this bot is private. Ask its operator to add your user id ({user_id})."
NOT_ADMIN = "Only the bot's admins can do that."
NON_TEXT = "I only read text. Send me your question as a message."
FAILED = "Sorry, something went wrong while answering. Please try again in a moment."
FORGOTTEN = "That answer is too old; please ask again."
EMPTY_QUESTION = "Ask me a question about the documents."

# /start: what the bot knows, then how to ask where it was started (HTML: {name} is escaped)
START = (
    "Hello! I answer questions about {documents} document(s) ({passages} passages), quoting "
    "the passages I answer from."
)
START_PRIVATE = (
    "Just send me a question. In a group, mention me (@{name}), reply to me, or use /ask "
    "QUESTION.\n/sources lists the documents; /help explains more."
)
START_GROUP = (
    "In this group I answer only messages meant for me:\n"
    "• mention me: @{name} who reported the story?\n"
    "• reply to one of my messages (a reply to an answer is a follow-up to it)\n"
    "• /ask QUESTION\n"
    "Each of you has your own conversation with me here (one per topic in a forum), so "
    '"and why?" follows your own last question.\n\n'
    "<b>Privacy mode</b> (BotFather's /setprivacy, on by default): while it is on, Telegram "
    "shows me only commands, replies to my messages and messages that mention me, which is "
    "all I need. Turned off, or with me as an admin, I receive every message of the group, "
    "but I still answer only those meant for me. A change takes effect once I am removed "
    "from the group and added again.\n/sources lists the documents; /help explains more."
)

# /gaps and /stats (admins): what the documents could not answer
GAPS_NONE = "No question went unanswered or was voted 👎 in the last {days} days."
GAPS_TITLE = (
    "<b>What the documents could not answer</b> (last {days} days): {gaps} question(s), "
    "asked {count} time(s), most asked first."
)
GAPS_LINE = "{n}. <b>{question}</b>\n   asked {count}×{askers} ({kinds}), last {last}"
GAPS_ALSO = "   also asked as: {wordings}"
GAPS_PRIVATE = "/gaps lists what people asked: send it to me in a private chat."
GAPS_NOW = "   ✅ the documents answer it now (asked again just now)"
GAPS_MORE = "…and {more} more in the export."
GAPS_EXPORT = "Export as an eval set"
GAPS_EXPORTED = (
    "{gaps} question(s) the documents could not answer, as a question set for `docbot eval "
    "FILE` (each must be refused until a document answers it; then add its expect)."
)
STATS_NONE = "No questions recorded in the last {days} days."
STATS_CAPTION = (
    "Last {days} days: {total} question(s), {answered} answered, {refused} not in the "
    "documents, {down} answer(s) voted 👎."
)

# "🔔 Tell me when the documents answer this" (bot/telegram/notify.py)
NOTIFY_BUTTON = "🔔 Tell me when the documents answer this"
NOTIFY_ADDED = (
    "OK: I will tell you here when the documents answer this (for {days} days). "
    "/requests lists what you are waiting for."
)
NOTIFY_ALREADY = "You are waiting for this one already; /requests lists them."
NOTIFY_FULL = "You are waiting for {count} questions here already; cancel one with /requests."
NOTIFY_ANSWERED_ALREADY = "This question has an answer already."
NOTIFY_NOW_ANSWERED = "🔔 The documents now answer your question: “{question}”"  # HTML, escaped
REQUESTS_NONE = (
    "You are not waiting for any answer here. When I cannot answer a question, press 🔔 under "
    "my reply and I will tell you once the documents answer it."
)
REQUESTS_HEAD = "You are waiting for {count} answer(s) here (kept {days} days):"
REQUESTS_CANCEL = "Cancel {n}"
REQUESTS_CANCELLED = "Cancelled: I will not tell you about that question."
REQUESTS_GONE = "That request is gone already."
# --- the documents, for admins: uploads, /documents, /delete ----------------------------------
# after a change: the file's passages (or why it was skipped), then the build in one line
ADDED = "Added {name}: {passages}."
REPLACED = "Replaced {name}: {passages} (before: {before})."
DELETED = "Deleted {name} and its {before}."
NOT_KEPT = "Cannot add {name}: {reason}. The file was not kept."
NOT_REPLACED = "Cannot read the new {name}: {reason}. The previous version is back."
DUPLICATES = "{count} of its passages repeat other documents and are kept once."
INDEX_FAILED = "Saved {name}, but indexing failed: {reason}. Send /reload to retry."
# a change that waits for its button
CONFIRM_REPLACE = (
    "{name} is already in the documents ({passages}, indexed {when}). "
    "Replace it with the file you sent?"
)
CONFIRM_DELETE = (
    "Delete {name} ({passages}) from the documents folder? Its passages will no longer be cited."
)
REPLACE_BUTTON = "Replace"
DELETE_BUTTON = "Delete"
CANCEL_BUTTON = "Cancel"
CANCELLED = "Cancelled: {name} is unchanged."
CONFIRM_EXPIRED = "This request has expired or was already handled; send it again."
DELETE_USAGE = "Which document? Send /delete NAME, with the name /documents shows."
NO_SUCH_DOCUMENT = "No document is named {name}. /documents lists them."
WHICH_DOCUMENT = "Several documents match {name}:\n{names}\nSend /delete with the full name."
# /documents (HTML): the collection at a glance, a page at a time
DOCUMENTS_HEADER = "<b>{files} document(s)</b>, {passages} passages, indexed {when}"
DOCUMENTS_SKIPPED = "<b>Skipped</b> (not searchable):"
DOCUMENTS_PAGE = "Page {page} of {pages}. /documents TEXT lists the names containing TEXT."
DOCUMENTS_NONE_MATCH = "No document name contains {text}."
# what was read of an added or replaced file (upload.upload_figures)
UPLOAD_PAGES = "{text} page(s) with text, {ocr} read by OCR, {empty} empty"
UPLOAD_TABLES = "{tables} table(s)"

# /help
HELP = (
    "Ask a question in plain words. I answer with sentences quoted from the documents, "
    "each marked [n]; the sources are listed under the answer, and the quoted passages "
    "open from the quote block or the Sources button. You can ask follow-ups such as "
    '"and in 2012?". If the documents do not cover something, I say so.\n\n'
    "/sources: the documents\n/ask QUESTION: ask in a group\n"
    "/requests: the questions you wait for (🔔 under a reply I could not answer)\n"
    "/reload: re-index the documents (admins)\n"
    "/documents, /delete NAME: list or delete the documents (admins)\n"
    "/gaps, /stats: what the documents could not answer, questions per day (admins)\n"
    "/scope: which documents this chat sees (admins)\n"
    "Admins can also send me a file to add it: text, Markdown, HTML, PDF, Word, PowerPoint, "
    "Excel, CSV, OpenDocument, EPUB, RTF, or a scan or picture of a page (read by OCR)."
)
# scopes (DOCBOT_SCOPES; bot/telegram/scopes.py and scope_view.py)
NO_DOCUMENTS_HERE = (
    "No documents are shared with this chat, so I cannot answer here. An admin of the bot can "
    "give this chat some folders of the documents in its scopes file (DOCBOT_SCOPES)."
)
# /scope (admins), HTML: {chat}, {folder}, {path} and {problem} are escaped
SCOPE_EVERYTHING = (
    "Chat {chat} sees <b>all documents</b>: {documents} document(s), {passages} passages."
)
SCOPE_NOTHING = "Chat {chat} sees <b>no documents</b>: its questions get a notice instead."
SCOPE_FOLDERS = "Chat {chat} sees {documents} document(s), {passages} passages, in:"
SCOPE_FOLDER = "• <b>{folder}/</b>: {documents} document(s), {passages} passages"
SCOPE_NO_FILE = "No scopes file is set (DOCBOT_SCOPES): every chat sees every document."
SCOPE_FILE = (
    "Scopes file {path}: {chats} chat(s) listed ({listed}); chats not listed see {default}. "
    "A change of the file applies to the next question. /scope CHAT_ID shows another chat."
)
SCOPE_USAGE = "Usage: /scope, or /scope CHAT_ID (a number) for another chat."
SCOPE_PROBLEM = "⚠️ Its last change could not be used; the scopes before it still apply: {problem}"

# /gaps CHAT_ID, and uploads in a scoped chat (issue 26 with issue 25)
GAPS_SCOPE = "Chat {chat} sees {scope}: its gaps only."
GAPS_USAGE = "Usage: /gaps, or /gaps CHAT_ID (a number) for the gaps of that chat's scope."
UPLOAD_NO_SCOPE = (
    "This chat sees no documents (DOCBOT_SCOPES), so no one here could read a file added from "
    "it. Send it in a chat that sees the folder it belongs in, or give this chat folders in "
    "the scopes file (/scope shows what a chat sees)."
)
DOCUMENTS_IN_SCOPE = "This chat sees {scope}: only those documents are listed here."
DOCUMENTS_NO_SCOPE = (
    "This chat sees no documents (DOCBOT_SCOPES): manage them from a chat that sees them, or "
    "give this chat folders in the scopes file (/scope shows what a chat sees)."
)
SCOPE_UPLOADS = "Files admins send here are saved into <b>{folder}/</b>."

# --- strings the handlers used to write themselves (issue 24: all in the catalogues) ----------
# the answer (bot/telegram/formatting.py, buttons.py); NOT_FOUND is the Telegram face of
# bot.answering.answers.NOT_FOUND_TEXT, said in the asker's language
NOT_FOUND = "The documents do not cover this question."
RELATED = "Related: {places}"
SOURCES = "Sources"  # the button, and the heading of an answer's sources
NO_CITATIONS = "This answer cites no passages."
THANKS = "Thanks for the feedback!"
DEAD_BUTTON = "This button does nothing."
ASK_USAGE = "Usage: /ask followed by your question."
TOO_FAST = "You are asking faster than I can keep up with. Please wait {seconds} s."
UPLOAD_NOT_ADMIN = "Only the bot's admins can add documents."
# /sources (HTML)
SOURCES_HEAD = "<b>{documents} document(s)</b>, {passages} passages:"
# /reload and every change to the documents: the build in one line
REINDEX_FAILED = "Re-indexing failed: {reason}"
INDEX_UPDATED = (
    "Index updated ({added} added, {changed} changed, {removed} removed{skipped}): "
    "{documents} document(s), {passages} passages, in {seconds} s."
)
SKIPPED_COUNT = ", {skipped} skipped"  # after the build line, and /documents' header
ONE_PASSAGE = "{count} passage"
MANY_PASSAGES = "{count} passages"
UNKNOWN_TIME = "at an unknown time"
# /gaps: a group's kinds and askers
GAPS_REFUSED = "refused {count}"
GAPS_BY_ONE = " by 1 person"
GAPS_BY_MANY = " by {count} people"
# /scope: whether the scopes file lists the chat
SCOPE_LISTED = "this chat is one"
SCOPE_NOT_LISTED = "not this chat"
# /stats: the chart's legend and axis
CHART_ANSWERED = "answered"
CHART_REFUSED = "not in the documents"
CHART_DOWN = "voted down"
CHART_QUESTIONS = "questions"
# where a citation is from (index/chunking.py's places, said in the reader's language): the
# words before a number or a quoted name ("page 7", 'sheet "Budget", row 12'), and "(OCR)"
PLACE_PAGE = "page"
PLACE_PAGES = "pages"
PLACE_PARAGRAPH = "paragraph"
PLACE_PARAGRAPHS = "paragraphs"
PLACE_SLIDE = "slide"
PLACE_SHEET = "sheet"
PLACE_ROW = "row"
PLACE_ROWS = "rows"
PLACE_CHAPTER = "chapter"
PLACE_NOTES = "notes"  # a slide's speaker notes: "slide 4, notes"
PLACE_OCR = "(OCR)"
# an upload refused (bot/telegram/errors.py's UploadRejectedError; the reasons of upload.py; a
# reason found while reading the file, e.g. a damaged archive, stays as index/ words it)
UPLOAD_REJECTED = "Cannot add {name}: {reason}"
REJECT_TYPE = "only {kinds} files can be added"
REJECT_NO_NAME = "the file name has no usable characters; rename it"
REJECT_SIZE = "it is {size} MB, over the {limit} MB limit"
REJECT_EMPTY = "the file is empty"
REJECT_NOT_PDF = "it is not a PDF file (no %PDF header)"
REJECT_NOT_IMAGE = "it is not a PNG, JPEG or TIFF image"
REJECT_NO_TEXT = "there is no text in it"
REJECT_SAME = "the same file is already there as {path}"
REJECT_BAD_NAME = "bad file name"
REJECT_OUTSIDE = "its folder is outside the documents folder"
# a chat's scope in a few words (bot/telegram/scopes.py's described; folders are listed as named)
SCOPE_ALL = "all documents"
SCOPE_NONE = "no documents"
