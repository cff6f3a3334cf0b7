"""Request body limits, checked from Content-Length before anything reads the body.

Left to itself Django (5.2, with DRF 3.18, which reads JSON and form bodies through
request.body) refuses a body above DATA_UPLOAD_MAX_MEMORY_SIZE only when something
reads it, with a bare HTML "Bad Request (400)" even on the API; streams file parts of
any size to disk; and under WSGI reads a chunked body (no Content-Length: gunicorn
passes it on de-chunked) as empty, so a view sees no data at all. Every request is
checked here first (this middleware comes before CsrfViewMiddleware, the first reader):

- API requests get JSON: 413 saying the limit, 411 for a body without Content-Length;
- pages get a page saying the limit, or the view's own answer where it declares one
  (the Import page shows it as a form error).

The limits (settings.py, "Request bodies"): API bodies API_MAX_BODY_BYTES, page forms
DATA_UPLOAD_MAX_MEMORY_SIZE; a view that takes file uploads says so with an `Upload`
in its `accepts_upload` attribute, and then takes multipart bodies up to its own
setting and any other body up to DATA_UPLOAD_MAX_MEMORY_SIZE.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import url_has_allowed_host_and_scheme

from feedback.api_path import is_api

MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Upload:
    """What a view that takes file uploads accepts."""

    setting: str  # the setting that holds the largest multipart body, in bytes
    field: str = "file"
    # For pages: a view called as view(request, *args, limit=..., **kwargs) that answers a
    # too-large upload (it must not read the body). Without one, a generic page answers.
    too_large: Callable | None = None

    @property
    def max_bytes(self) -> int:
        return getattr(settings, self.setting)


def accepts_upload(upload: Upload):
    """Mark a function view as taking file uploads (class views: an `accepts_upload`
    class attribute)."""

    def mark(view):
        view.accepts_upload = upload
        return view

    return mark


def upload_of(view_func) -> Upload | None:
    return getattr(view_func, "accepts_upload", None) or getattr(
        getattr(view_func, "view_class", None), "accepts_upload", None
    )


def in_memory_limit() -> float:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return float("inf") if limit is None else limit


def body_limit(request, upload: Upload | None) -> tuple[float, str]:
    """The largest body this request may carry, and what to do about a larger one."""
    if upload is not None:
        if request.content_type == MULTIPART:
            return upload.max_bytes, ""
        return in_memory_limit(), (
            f" Send a larger file as {MULTIPART}, in a field named {upload.field!r} "
            f"(up to {_size(upload.max_bytes, exact=False)})."
        )
    if is_api(request):
        return min(settings.API_MAX_BODY_BYTES, in_memory_limit()), ""
    return in_memory_limit(), ""


class BodyLimitMiddleware(MiddlewareMixin):
    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = request.META.get("CONTENT_LENGTH")
        if not declared:
            if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
                return self._length_required(request)
            return None
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            message = "Invalid Content-Length header."
            return JsonResponse({"detail": message}, status=400) if is_api(request) else HttpResponseBadRequest(message)
        upload = upload_of(view_func)
        limit, hint = body_limit(request, upload)
        if length <= limit:
            return None
        if not is_api(request) and upload is not None and upload.too_large is not None:
            return upload.too_large(request, *view_args, limit=limit, **view_kwargs)
        return too_large(request, f"Request body too large: {length:,} bytes; the limit here is {_size(limit)}.{hint}", limit)

    def process_exception(self, request, exception):
        # Where a multipart body's fields other than files pass DATA_UPLOAD_MAX_MEMORY_SIZE
        # (Content-Length counts the files too), Django itself refuses while reading.
        if isinstance(exception, RequestDataTooBig):
            return data_too_big(request)
        return None

    def _length_required(self, request):
        message = "A request body needs a Content-Length header; a chunked body (Transfer-Encoding: chunked) is not read here."
        if is_api(request):
            return JsonResponse({"detail": message}, status=411)
        return HttpResponse(message, status=411, content_type="text/plain; charset=utf-8")


def data_too_big(request) -> HttpResponse:
    """413 for Django's own RequestDataTooBig, raised while it reads a body whose
    Content-Length passed the check above (a multipart body's fields other than files)."""
    limit = in_memory_limit()
    return too_large(request, f"Request body too large: its fields other than files may hold {_size(limit)}.", limit)


def too_large(request, message: str, limit: float) -> HttpResponse:
    """413: JSON for the API, a page for people (with a way back to the form)."""
    if is_api(request):
        return JsonResponse({"detail": message, "limit_bytes": limit}, status=413)
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return render(request, "too_large.html", {"limit": filesizeformat(limit), "back": back}, status=413)


def _size(limit: float, *, exact: bool = True) -> str:
    # filesizeformat says "5.0 MB" for 5 MiB, as browsers and file managers do; its
    # no-break space is for pages, not for JSON.
    shown = filesizeformat(limit).replace("\xa0", " ")
    return f"{shown} ({int(limit):,} bytes)" if exact and limit >= 1024 else shown
