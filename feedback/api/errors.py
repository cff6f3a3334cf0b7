"""One error shape for every 4xx: {"detail": "...", ...}; services' errors become 4xx."""
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from feedback.labelling.errors import ImportRejected, LabellingError


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
