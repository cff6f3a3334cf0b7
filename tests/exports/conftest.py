"""The exports tests share hand-built sets of labels (tests/support/known_labels.py, and
rubric ratings in tests/support/rated_labels.py)."""
from tests.support.known_labels import known_labels  # noqa: F401  (fixture)
from tests.support.rated_labels import rated  # noqa: F401  (fixture)
