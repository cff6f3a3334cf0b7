"""One error shape for the whole API: {"detail": "...", ...}.

api_exception_handler (DRF's EXCEPTION_HANDLER) turns services' errors into 4xx. The
views below are the project's handler400/403/404/500 and CSRF_FAILURE_VIEW: what Django
answers itself, before or around DRF (no such route, a bad Host header, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, a crash), is JSON under /api/ too, and Django's own page
everywhere else."""
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.urls import Resolver404
from django.views import csrf, defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from feedback.labelling.errors import ImportRejected, LabellingError
from feedback.api_path import is_api
from feedback.limits import data_too_big


def api_exception_handler(exc, context):
    if isinstance(exc, ImportRejected):
        return Response(
            {"detail": "Import rejected; nothing was written.",
             "errors": [{"item": number, "reason": reason} for number, reason in exc.errors]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, LabellingError):
        return Response({"detail": str(exc)}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": "; ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValueError):
        # Services raise ValueError for bad arguments that slipped past a serializer.
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


def _bad_request_detail(exception) -> tuple[str, int]:
    if isinstance(exception, TooManyFieldsSent):
        return f"Too many form fields: the limit is {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}.", 400
    if isinstance(exception, TooManyFilesSent):
        return f"Too many files: the limit is {settings.DATA_UPLOAD_MAX_NUMBER_FILES}.", 400
    if isinstance(exception, DisallowedHost):
        return "Invalid Host header.", 400
    return "Bad request.", 400


def bad_request(request, exception, **kwargs):
    if isinstance(exception, RequestDataTooBig):
        return data_too_big(request)  # the body-limit middleware's answer, JSON or page
    if not is_api(request):
        return defaults.bad_request(request, exception, **kwargs)
    detail, code = _bad_request_detail(exception)
    return JsonResponse({"detail": detail}, status=code)


def permission_denied(request, exception, **kwargs):
    if not is_api(request):
        return defaults.permission_denied(request, exception, **kwargs)
    return JsonResponse({"detail": str(exception) or "You do not have permission to do this."}, status=403)


def page_not_found(request, exception, **kwargs):
    if not is_api(request):
        return defaults.page_not_found(request, exception, **kwargs)
    if isinstance(exception, Resolver404) or not str(exception):
        # The resolver's message lists the patterns it tried: not for clients.
        detail = (f"Nothing at {request.path}: no such endpoint, or a number in it is not an id. "
                  "The endpoints are listed at /api/docs/ and /api/schema/.")
    else:
        detail = str(exception)
    return JsonResponse({"detail": detail}, status=404)


def server_error(request, **kwargs):
    if not is_api(request):
        return defaults.server_error(request, **kwargs)
    return JsonResponse({"detail": "Server error. It was logged; please try again later."}, status=500)


def csrf_failure(request, reason="", **kwargs):
    if not is_api(request):
        return csrf.csrf_failure(request, reason, **kwargs)
    return JsonResponse(
        {"detail": f"CSRF check failed: {reason} A session-authenticated request sends the csrftoken "
                   "cookie's value in an X-CSRFToken header; token clients send Authorization: Token <key>."},
        status=403,
    )
