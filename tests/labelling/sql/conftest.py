import pytest

from feedback.labelling.models import Project
from tests.support.lease_mix import lease_mix


@pytest.fixture
def mix(project, codebook, annotators, tasks_of):
    """tests/support/lease_mix.py's project, alice also holding a lease in another project."""
    other = Project.objects.create(name="Elsewhere", slug="elsewhere", overlap=2)
    return lease_mix(project, codebook, annotators, tasks_of, other_project=other)
