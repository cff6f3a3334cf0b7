"""DRF throttles, counted in the cache (CACHES, README "Logins"). Only two things are
throttled: minting tokens, and failed token authentication. Nothing else is, the
labelling calls least of all: a request with a valid token never touches the cache."""
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from feedback.logins.addresses import client_ip


class TokenEndpointThrottle(UserRateThrottle):
    """POST/DELETE /api/v1/token/, per user (rate "token")."""

    scope = "token"


class AuthFailureThrottle(SimpleRateThrottle):
    """Failed token authentications per client address (rate "auth_failure"). Asked only
    after a failure, so it counts failures, never successes."""

    scope = "auth_failure"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


def count_auth_failure(request) -> None:
    """Record one failed authentication from the request's address; past the rate,
    raise Throttled (429, Retry-After, a JSON message) instead of the 401."""
    throttle = AuthFailureThrottle()
    if throttle.allow_request(request, None):
        return
    # DRF adds "Expected available in N seconds." and the Retry-After header.
    raise Throttled(
        wait=throttle.wait(),
        detail=_("Too many failed authentications from this address (at most %(rate)s).") % {"rate": throttle.rate},
    )
