"""The API's token check, on every API call (feedback/api/authentication.py): here so
that the raw statements live in one package."""
from functools import cache

from rest_framework.authtoken.models import Token

from feedback.labelling.sql.rows import table
from feedback.labelling.sql.tables import USER


@cache
def token_user() -> str:
    """The user whose API token is %(key)s (every column)."""
    return (f'SELECT account.* FROM {USER} account INNER JOIN {table(Token)} token ON token."user_id" = account."id" '
            f'WHERE token."key" = %(key)s')
