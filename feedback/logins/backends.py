"""The authentication backend that refuses locked-out (username, address) pairs."""
from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check for every login that comes with a request: the login page, the
    admin, DRF. A call without one (`django.test.Client.login()`, a shell) is not a web
    login, has no address to count against, and would make axes raise; it passes on to
    ModelBackend unchecked. A view that authenticates must pass its request (Django's
    and DRF's own forms do), or it is not protected."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
