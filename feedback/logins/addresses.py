"""One rule for "the client's address", shared by the login lockout and the API's
failure throttle, so a proxy setting cannot make them disagree."""
import ipaddress

from rest_framework.throttling import BaseThrottle

_throttle = BaseThrottle()


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with FEEDBACK_PROXY_COUNT = n trusted proxies the address the
    outermost of them saw (X-Forwarded-For read from the right, DRF's NUM_PROXIES rule).
    The left end of X-Forwarded-For is whatever the client wrote, so it is never
    trusted: a client could otherwise claim a fresh address for every attempt. A value
    that is not an address (a client that reached us around the proxies and wrote the
    header itself) falls back to REMOTE_ADDR; axes stores addresses in an inet column."""
    address = _throttle.get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")
