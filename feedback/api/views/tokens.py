"""Per-user API tokens: create (or rotate) and revoke your own."""
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.serializers import TokenSerializer
from feedback.api.throttling import TokenEndpointThrottle


class MyToken(APIView):
    """POST creates a new token for the caller (replacing any old one); DELETE revokes it.
    Admins manage anyone's tokens in the Django admin. Throttled per user (rate "token"):
    a script cannot churn tokens in a loop."""

    throttle_classes = [TokenEndpointThrottle]

    @extend_schema(request=None, responses={201: TokenSerializer})
    def post(self, request):
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
        return Response({"token": token.key, "created": token.created}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
