"""Token authentication: DRF's tokens, checked in one plain statement, since it runs on
every API call (see feedback/labelling/sql/ for why the hot path is SQL).
Failures are counted per client address and answered 429 past a limit (throttling.py);
a valid token costs no more than before (no cache round trip)."""
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from feedback.api.throttling import count_auth_failure
from feedback.labelling.sql.rows import first_row
from feedback.labelling.sql.tokens import token_user


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            # Every kind: unknown token, malformed header, inactive user.
            count_auth_failure(request)
            raise

    def authenticate_credentials(self, key):
        user = first_row(get_user_model(), token_user(), {"key": key})
        if user is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)
