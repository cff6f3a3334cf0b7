"""Settings of bench/floor.py's server: the production settings, with floor.py's routes
in front of the app's own."""
from feedback.settings import *  # noqa: F401,F403

ROOT_URLCONF = "floor"
