"""The username axes counts a login attempt under (AXES_USERNAME_CALLABLE)."""
from axes.models import AccessAttempt
from django.conf import settings

# Axes stores it in a varchar(255); Django's login form checks no length, so a longer
# name would reach the INSERT and fail there (a 500 on Postgres).
STORED_LENGTH = AccessAttempt._meta.get_field("username").max_length


def attempt_username(request, credentials=None) -> str | None:
    """What was typed, cut to the stored length. No account has a name that long
    (Django's are at most 150), so names that share the cut prefix lose nothing."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:STORED_LENGTH] if isinstance(username, str) else username
