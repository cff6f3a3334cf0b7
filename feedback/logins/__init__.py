"""Brute-force protection for logins: django-axes locks a (username, address) after
repeated wrong passwords on the login page and the Django admin; this app holds the
pieces axes is configured with (backend, client address, lockout page) and makes sure
the database cache table that the API's throttles count in exists. See README "Logins"."""
