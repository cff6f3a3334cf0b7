"""Per-user API tokens: create (or rotate) and revoke your own."""
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.serializers import TokenSerializer
from feedback.api.throttling import TokenEndpointThrottle
from feedback.api.tokens import token_create, token_revoke


class MyToken(APIView):
    """POST creates a new token for the caller (replacing any old one); DELETE revokes it.
    Admins manage anyone's tokens in the Django admin; people use the Tokens page
    (feedback/api/pages.py). Throttled per user (rate "token", counted with the page's
    changes): a script cannot churn tokens in a loop."""

    throttle_classes = [TokenEndpointThrottle]

    @extend_schema(request=None, responses={201: TokenSerializer})
    def post(self, request):
        token = token_create(user=request.user)
        return Response({"token": token.key, "created": token.created}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
