"""The Tokens page (/accounts/tokens/): a person creates, replaces and revokes their own
API token in the browser, with plain forms (CSRF, no JavaScript needed). Here beside
the API because the token is the API's; the page itself answers in HTML, not JSON.

DRF keeps a token's key as it is, but the page shows it once only, right after it was
made, so that a key is not left on a screen someone else may read later."""
from math import ceil

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from rest_framework.authtoken.models import Token

from feedback.api.throttling import TokenEndpointThrottle
from feedback.api.tokens import token_create, token_revoke

# The new key waits in the session for the one page view that shows it.
NEW_KEY = "api_token_shown_once"
CONFIRM = {"create": "replace", "revoke": "revoke"}


@login_required
def tokens_page(request):
    if request.method == "POST":
        return _change(request)
    token = Token.objects.filter(user=request.user).first()
    new_key = request.session.pop(NEW_KEY, None)
    confirm = request.GET.get("confirm") if token else None
    return _render(request, token=token, new_key=new_key if token and new_key == token.key else None,
                   confirm=confirm if confirm in CONFIRM.values() else None)


def _render(request, *, token, new_key=None, confirm=None, error="", status=200):
    return render(request, "api/tokens.html", {
        "token": token, "new_key": new_key, "confirm": confirm, "error": error,
        "api_root": request.build_absolute_uri(reverse("api:projects")),
    }, status=status)


def _change(request):
    action = request.POST.get("action", "")
    token = Token.objects.filter(user=request.user).first()
    if action not in CONFIRM:
        return _render(request, token=token, error="Nothing was changed: choose Create or Revoke.", status=400)
    # Replacing or revoking a token breaks the scripts that use it: only once confirmed.
    if token is not None and request.POST.get("confirm") != "yes":
        return _render(request, token=token, confirm=CONFIRM[action], status=400,
                       error="Nothing was changed: press the button below to confirm.")
    throttle = TokenEndpointThrottle()  # the API's: the page is no way around its rate
    if not throttle.allow_request(request, None):
        minutes = ceil((throttle.wait() or 60) / 60)
        return _render(request, token=token, status=429, error=f"Nothing was changed: tokens can be changed at most "
                       f"{throttle.rate} per person. Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
    if action == "create":
        request.session[NEW_KEY] = token_create(user=request.user).key
    elif token_revoke(user=request.user):
        messages.success(request, "Token revoked: scripts that send it are refused (401) from now on.")
    return redirect("tokens")
