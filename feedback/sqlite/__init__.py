"""Django's SQLite backend for the embedded default (settings.py names it as ENGINE when
DATABASE_URL is a sqlite:// one), making the database file's folder on first connection
so that importing settings need not create var/."""
