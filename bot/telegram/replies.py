"""What the bot says in chats, in one place (each handler adds the details)."""

REFUSED = "Sorry, this bot is private. Ask its operator to add your user id ({user_id})."
NOT_ADMIN = "Only the bot's admins can do that."
NON_TEXT = "I only read text. Send me your question as a message."
FAILED = "Sorry, something went wrong while answering. Please try again in a moment."
FORGOTTEN = "That answer is too old; please ask again."
EMPTY_QUESTION = "Ask me a question about the documents."
