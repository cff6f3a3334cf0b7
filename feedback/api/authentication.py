"""Token authentication: DRF's tokens, checked in one plain statement, since it runs on
every API call (see feedback/labelling/services/sql.py for why the hot path is SQL)."""
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from feedback.labelling.services.sql import first_row, table


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        User = get_user_model()
        user = first_row(
            User,
            f'SELECT u.* FROM {table(User)} u INNER JOIN {table(Token)} t ON t."user_id" = u."id" WHERE t."key" = %s',
            [key],
        )
        if user is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)
