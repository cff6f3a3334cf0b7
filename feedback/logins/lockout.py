"""The page a locked-out login gets (axes' AXES_LOCKOUT_CALLABLE): our base template,
status 429, when to try again, in words and as Retry-After."""
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone


def lockout_response(request, original_response, credentials):
    now = timezone.now()
    cool_off = get_cool_off(request)
    # The lock runs from the failure that reached the limit: attempts while locked are
    # refused without being counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off),
    # so the time shown stays true however often the person tries.
    attempts = AxesDatabaseHandler().get_user_attempts(request, credentials)
    last_failures = [qs.aggregate(last=Max("attempt_time"))["last"] for qs in attempts]
    latest = max((at for at in last_failures if at is not None), default=now)
    retry_at = max(latest + cool_off, now)
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": math.ceil(cool_off.total_seconds() / 60),
        "retry_at": retry_at,
        "retry_minutes": math.ceil(seconds / 60),
        "login_path": request.path,
    }
    response = render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
