"""No models: axes keeps the login attempts. The module exists because Django sends
post_migrate only to apps with one, and apps.py creates the cache table on it."""
