"""The exports tests share one hand-built set of labels (tests/support/known_labels.py)."""
from tests.support.known_labels import known_labels  # noqa: F401  (fixture)
