"""A project whose labels teach a learnable preference, trained on the tiny random llama."""
import pytest

from feedback.loop.models import TrainingSettings
from tests.support.labels import learnable_pair_labels
from tests.support.training_settings import TINY_HP
HELDOUT_PAIRS = 8  # of the 40 learnable tasks below


@pytest.fixture
def loop_project(project, annotators, codebook, tiny_model_dir, settings, model_cache):
    settings.MODEL_CACHE_DIR = model_cache
    project.base_model = str(tiny_model_dir)
    project.save()
    # 40 tasks put 8 prompts on the held-out side: the gate's minimum is lowered to 8 so
    # these runs can earn a promotion (8 of 8 right clears chance at 95%: bound 0.69; the
    # project default, 30, would take 150 tasks and slow every test that trains).
    TrainingSettings.objects.create(
        project=project, hyperparameters=TINY_HP, min_new_preferences=30, generate_after_promotion=False,
        min_heldout_pairs=HELDOUT_PAIRS,
    )
    learnable_pair_labels(project, annotators, codebook, 40)
    return project
