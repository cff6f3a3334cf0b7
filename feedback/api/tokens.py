"""API tokens (DRF's, one per user): create or replace, revoke. The API's POST/DELETE
/api/v1/token/ and the Tokens page both change tokens through these, one transaction each."""
from django.db import transaction
from rest_framework.authtoken.models import Token


def token_create(*, user) -> Token:
    """A new token for `user`; the old one, if any, stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Remove `user`'s token; whether there was one."""
    with transaction.atomic():
        deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
