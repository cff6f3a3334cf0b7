"""Query strings and form posts with a NUL character answer 400, before any view.

Postgres cannot store or even compare text holding NUL (psycopg refuses the parameter:
"PostgreSQL text fields cannot contain NUL (0x00) bytes"), so `?annotator=a%00` or a
promotion note with one was a 500 wherever a view handed the value to a query. No
browser form sends one; Django's form fields refuse them already, and API bodies are
checked by feedback.api.parsers. Multipart bodies are left to the views (reading them
here would spend the upload before a view can choose where it goes)."""
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from feedback.api_path import is_api

MESSAGE = "The request contains a NUL character (%00), which no field can hold."
FORM = "application/x-www-form-urlencoded"


def _has_nul(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


class NulCharacterMiddleware(MiddlewareMixin):
    def process_view(self, request, view_func, view_args, view_kwargs):
        # In process_view, after the body-limit middleware's: a form body is read here
        # only once its size was checked.
        posted_form = request.method == "POST" and request.content_type == FORM
        if _has_nul(request.GET) or (posted_form and _has_nul(request.POST)):
            if is_api(request):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return None
