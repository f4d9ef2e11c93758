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
