"""Bot state shared by several ``docbot serve`` workers in PostgreSQL (``DOCBOT_STORE``, issue
14): update claims (the delivery journal of the webhook workers), conversation turns, per-user
rate limits, feedback votes and the answers behind the buttons, every table keyed by the bot id
so that one database can hold several bots. With ``DOCBOT_STORE`` empty nothing here is used."""
