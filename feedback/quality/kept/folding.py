"""The fold: the tasks whose labels changed since the last fold (TaskChange) have their
old contribution taken out of their cell and the new one, from all their labels, put in.

It runs every few seconds from the beat (tasks.fold_task_changes) and at the start of
every page view that reads the kept figures, so a page is exact up to the labels
committed before it; its work is what changed since the last fold. A page folds a
bounded number (fold_for_page): a backlog is the beat's, and the page says how much of
it is left out. Folds run one at a time (an advisory lock on Postgres; on SQLite every
transaction holds the write lock), each batch in its own transaction with the changes it
folded deleted in it: a change is folded exactly once, and one committed while a fold
runs waits for the next.
"""
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Q

from feedback.labelling.models import Label, Task
from feedback.quality.kept.contributions import cell_key, contribution, dispute_share, version_slices
from feedback.quality.kept.loading import labels_by_task, task_infos
from feedback.quality.kept.sums import add_into
from feedback.quality.models import ANNOTATOR_COUNTERS, AgreementCell, AnnotatorCell, TaskChange, TaskFigures

FOLD_LOCK = 215_021  # the advisory lock's key: any number no other lock of this database uses
BATCH = 5000
PAGE_FOLD_LIMIT = 2500
KEY_FIELDS = ("kind", "version", "split", "first_day", "last_day", "version_slice")


def fold(*, batch: int = BATCH, limit: int | None = None, wait: bool = True, progress=None) -> int:
    """Folds the pending changes, oldest first: all of them (those that arrive meanwhile
    too), or one batch of at most `limit`; returns how many it folded. Without `wait` it
    folds nothing while another fold runs. `progress(folded)` is called after each batch."""
    folded = 0
    while True:
        with transaction.atomic():
            if not _one_fold_at_a_time(wait=wait):
                break
            oldest = list(TaskChange.objects.order_by("id").values_list("task_id", flat=True)[:limit or batch])
            if not oldest:
                break
            # every pending change of those tasks, read before their labels are: a task is
            # folded from all of its labels, so its later changes are folded with it
            task_ids = set(oldest)
            changes = list(TaskChange.objects.filter(task_id__in=task_ids).values_list("id", flat=True))
            refold(task_ids)
            TaskChange.objects.filter(id__in=changes).delete()
        folded += len(changes)
        if progress:
            progress(folded)
        if limit is not None:
            break
    return folded


def fold_for_page(project=None) -> int:
    """What a page folds before it reads: what the beat left (seconds' worth), but never
    a backlog (after a bulk load, or with the beat down) that would hold the page for
    minutes, nor one the beat is folding now. Returns how many changes of `project`'s
    tasks (of any, without one) are still pending: the page says its figures leave them out."""
    fold(limit=PAGE_FOLD_LIMIT, wait=False)  # while the beat folds, the page does not wait for it
    return pending_changes(project)


def pending_changes(project=None) -> int:
    changes = TaskChange.objects.all()
    if project is not None:
        changes = changes.filter(task_id__in=Task.objects.filter(project=project).values("id"))
    return changes.count()


@transaction.atomic
def rebuild() -> int:
    """Empties the kept figures and marks every labelled task for the next fold (after a
    restore, or to check them against a fresh computation); returns how many tasks."""
    _one_fold_at_a_time()
    TaskFigures.objects.all().delete()
    AgreementCell.objects.all().delete()
    AnnotatorCell.objects.all().delete()
    TaskChange.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TaskChange._meta.db_table} (task_id) SELECT DISTINCT task_id FROM "
                       f"{Label._meta.db_table}")
        return cursor.rowcount


def _one_fold_at_a_time(*, wait: bool = True) -> bool:
    """Takes the fold's lock until the transaction ends; without `wait`, only if it is
    free (False: another fold holds it). SQLite's transactions already hold its write lock."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FOLD_LOCK])
        return cursor.fetchone()[0]


def refold(task_ids: set[int]) -> None:
    old = list(TaskFigures.objects.filter(task_id__in=task_ids))
    tasks, labels = task_infos(task_ids), labels_by_task(task_ids)
    deltas = CellDeltas()
    fresh = []
    for row in old:
        deltas.add(row.project_id, key_of(row), row.figures, -1)
    for task_id in task_ids:
        task, rows = tasks.get(task_id), labels.get(task_id)
        if not (task and rows):
            continue
        parts = [(cell_key(task, rows), rows)] + [(cell_key(task, members, version_slice=True), members)
                                                  for members in version_slices(rows).values()]
        for key, members in parts:
            figures = contribution(task, members)
            fresh.append(TaskFigures(task_id=task_id, project_id=task.project_id, **dict(zip(KEY_FIELDS, key)),
                                     labels=len(members), majority_share=dispute_share(task, members), figures=figures))
            deltas.add(task.project_id, key, figures, 1)
    TaskFigures.objects.filter(pk__in=[row.pk for row in old]).delete()
    columns = ["task_id", "project_id", *KEY_FIELDS, "labels", "majority_share", "figures"]
    insert_rows(TaskFigures, columns, [[getattr(row, name) for name in columns] for row in fresh])
    deltas.apply()


class CellDeltas:
    """What a batch adds to and takes from each cell, applied in a few queries."""

    def __init__(self):
        self.cells = defaultdict(lambda: [0, {}])  # (project, key) → [tasks, figures]
        self.annotators = defaultdict(Counter)  # (project, annotator, key) → counters

    def add(self, project_id: int, key: tuple, figures: dict, sign: int) -> None:
        cell = self.cells[(project_id, key)]
        cell[0] += sign
        add_into(cell[1], {name: value for name, value in figures.items() if name != "annotators"}, sign)
        for user, counters in figures.get("annotators", {}).items():
            counts = self.annotators[(project_id, int(user), key)]
            for name, value in counters.items():
                counts[name] += sign * value

    def apply(self) -> None:
        self._apply_cells()
        self._apply_annotators()

    def _apply_cells(self) -> None:
        """The cells' new sums (read, added to, written back in one upsert): few cells,
        whatever the batch."""
        existing = {(cell.project_id, key_of(cell)): cell for cell in _touched(AgreementCell, self.cells)}
        written, emptied = [], []
        for (project_id, key), (tasks, figures) in self.cells.items():
            cell = existing.get((project_id, key))
            total, summed = (cell.tasks, cell.figures) if cell else (0, {})
            total += tasks
            if total:
                written.append([project_id, *key, total, add_into(summed, figures)])
            elif cell:
                emptied.append(cell.pk)
        AgreementCell.objects.filter(pk__in=emptied).delete()
        keys = ["project_id", *KEY_FIELDS]
        quote = connection.ops.quote_name
        insert_rows(AgreementCell, [*keys, "tasks", "figures"], written, conflict=keys,
                    update=", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in ("tasks", "figures")))

    def _apply_annotators(self) -> None:
        """Adds the counters in the database (an upsert that adds): no read first. Cells
        left without labels are deleted."""
        rows = [[project_id, user, *key, *(counts[name] for name in ANNOTATOR_COUNTERS)]
                for (project_id, user, key), counts in self.annotators.items() if any(counts.values())]
        quote, table = connection.ops.quote_name, connection.ops.quote_name(AnnotatorCell._meta.db_table)
        keys = ["project_id", "annotator_id", *KEY_FIELDS]
        insert_rows(AnnotatorCell, keys + list(ANNOTATOR_COUNTERS), rows, conflict=keys,
                    update=", ".join(f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}"
                                     for name in ANNOTATOR_COUNTERS))
        if rows:
            AnnotatorCell.objects.filter(_same_days({(p, k) for p, _, k in self.annotators}), labels=0).delete()


def insert_rows(model, columns: list[str], rows: list[list], *, conflict: list[str] = (), update: str = "") -> None:
    """Multi-row INSERTs of `rows` (500 a statement; ON CONFLICT (conflict) DO UPDATE SET
    update, where given), each value prepared by its field for this database: plain
    VALUES rather than bulk_create's arrays, which cost more to build than the fold's
    other work (bench/README.md)."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    upsert = f" ON CONFLICT ({', '.join(quote(name) for name in conflict)}) DO UPDATE SET {update}" if conflict else ""
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES "
                           f"{', '.join([placeholders] * len(chunk))}{upsert}",
                           [field.get_db_prep_save(value, connection) for row in chunk for field, value in zip(fields, row)])


def key_of(row) -> tuple:
    """A cell's or a task's figures' key, in KEY_FIELDS' order (contributions.cell_key's)."""
    return tuple(getattr(row, name) for name in KEY_FIELDS)


def _touched(model, keys) -> list:
    """The rows of `model` that may hold any of the (project, key) cells."""
    return list(model.objects.filter(_same_days(keys))) if keys else []


def _same_days(keys) -> Q:
    """The cells of the same projects and the same first and last days as `keys`
    (served by the index on project and days)."""
    days = defaultdict(set)
    for project_id, key in keys:
        days[project_id].add((key[3], key[4]))
    query = Q(pk__in=[])
    for project_id, pairs in days.items():
        for first_day, last_day in pairs:
            query |= Q(project_id=project_id, first_day=first_day, last_day=last_day)
    return query
