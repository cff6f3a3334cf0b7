"""Request body limits for the API, checked before anything reads the body.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards request.body, but DRF parsers read the
stream directly; so the limit is enforced here from Content-Length."""
from django.conf import settings
from django.http import JsonResponse

LARGE_BODY_SUFFIXES = ("/prompts/import/",)


class ApiBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            limit = settings.API_MAX_BODY_BYTES
            if request.path.endswith(LARGE_BODY_SUFFIXES):
                limit = settings.IMPORT_MAX_BYTES
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
            if length > limit:
                return JsonResponse(
                    {"detail": f"Request body too large: {length} bytes; the limit here is {limit} bytes."},
                    status=413,
                )
        return self.get_response(request)
