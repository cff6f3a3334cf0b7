"""Reading tasks and their labels for the fold and for the cut tasks a filter recomputes:
two or three queries for any number of tasks."""
from collections import defaultdict

from feedback.labelling.models import Label, Task
from feedback.quality.kept.contributions import LabelRow, TaskInfo
from feedback.quality.producers import producers_of_tasks


def task_infos(task_ids) -> dict[int, TaskInfo]:
    """The tasks that still exist among `task_ids`, with their producers."""
    task_ids = list(task_ids)
    producers = producers_of_tasks(task_ids)
    rows = Task.objects.filter(pk__in=task_ids).values_list("id", "project_id", "kind", "prompt__split", "is_gold",
                                                            "gold_answer")
    return {task_id: TaskInfo(task_id, project_id, kind, split, is_gold, gold_answer, producers.get(task_id, {}))
            for task_id, project_id, kind, split, is_gold, gold_answer in rows.iterator(chunk_size=5000)}


def labels_by_task(task_ids) -> dict[int, list[LabelRow]]:
    """task id → its labels, oldest first."""
    result = defaultdict(list)
    rows = Label.objects.filter(task_id__in=list(task_ids)).order_by("id").values_list(
        "task_id", "annotator_id", "answer", "display_order", "time_spent_ms", "created_at", "codebook__version")
    for task_id, *row in rows.iterator(chunk_size=5000):
        result[task_id].append(LabelRow(*row))
    return result
