"""Import `fast_password_hashing` into a test module (it is autouse) where the tests
create several users or check passwords often: PBKDF2 costs ~0.4 s per password here."""
import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
