import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """These tests try dozens of passwords; the lockout does not depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
