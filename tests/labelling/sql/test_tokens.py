"""The API token's statement reads what the ORM reads."""
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from feedback.labelling.sql.rows import first_row
from feedback.labelling.sql.tokens import token_user


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_token_user_is_the_orm_tokens_user(annotators):
    User = get_user_model()
    for user in annotators:
        token = Token.objects.create(user=user)
        assert _values(first_row(User, token_user(), {"key": token.key})) == _values(Token.objects.get(key=token.key).user)
    assert first_row(User, token_user(), {"key": "0" * 40}) is None
