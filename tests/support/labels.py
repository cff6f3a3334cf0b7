"""Labels written straight to the database, for tests about what happens to labels
afterwards (exports, quality, training). Labelling itself is tested through its services."""
import random
import uuid

from django.utils import timezone

from feedback.labelling.models import Assignment, AssignmentStatus, Label, Task
from feedback.labelling.services.imports import import_jsonl

# The preference the loop tests teach: the good answer is always this phrase.
GOOD = "Yes, happy to help."
WORDS = "apple river stone cloud orange window paper silver garden engine yellow forest".split()


def make_label(task, user, codebook, answer, *, rewrite="", when=None):
    order = list(range(task.candidate_count))
    assignment = Assignment.objects.create(
        task=task, annotator=user, status=AssignmentStatus.DONE, expires_at=timezone.now(), display_order=order
    )
    label = Label.objects.create(
        assignment=assignment, task=task, annotator=user, codebook=codebook, kind=task.kind, answer=answer,
        rewrite=rewrite, display_order=order, time_spent_ms=1000, submission_id=uuid.uuid4(),
        created_at=when or timezone.now(),
    )
    Task.objects.filter(pk=task.pk).update(labels_done=task.labels.count())
    return label


def learnable_pair_labels(project, users, codebook, n: int, *, seed: int = 0, prefix: str = "learn") -> list[Label]:
    """`n` pair tasks where every annotator prefers GOOD over a random word salad (placed
    at A or B at random): a preference a tiny model learns in a few steps."""
    import json

    rng = random.Random(seed)
    rows, good_first = [], {}
    for i in range(n):
        salad = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6))) + "."
        first = rng.random() < 0.5
        good_first[f"{prefix}-{i}"] = first
        texts = [GOOD, salad] if first else [salad, GOOD]
        rows.append({"external_id": f"{prefix}-{i}", "prompt": f"Question {i}: can you help me?", "kind": "pair",
                     "candidates": [{"text": t, "producer": "base"} for t in texts]})
    import_jsonl(project=project, lines=[json.dumps(r) for r in rows])
    labels = []
    for task in Task.objects.filter(project=project, prompt__external_id__in=good_first).select_related("prompt"):
        choice = "A" if good_first[task.prompt.external_id] else "B"
        labels += [make_label(task, user, codebook, {"choice": choice, "strength": None}) for user in users]
    return labels
