"""SFT rows from rewrites: the prompt and the annotator's better answer."""
from collections.abc import Iterator

from feedback.exports.builders.tasks import extras, filtered_labels, prompt_of, task_infos
from feedback.exports.filters import ExportFilters
from feedback.exports.streaming import chunks, stream_rows
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project


def sft_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    """One row per rewrite: {"messages"} in the conversational form, {"prompt", "completion"} in text."""
    rewrites = filtered_labels(project, filters).exclude(rewrite="").order_by("task_id", "id").values_list(
        "task_id", "rewrite", "id")
    for chunk in chunks(stream_rows(rewrites)):
        infos = task_infos(project, chunk[0][0], chunk[-1][0])
        for task_id, rewrite, label_id in chunk:
            info = infos[task_id]
            summary.labels += 1
            summary.max_label_id = max(summary.max_label_id, label_id)
            summary.rows[info.split] += 1
            more = extras(columns, info, task_id)
            if form == "conversational":
                yield {"messages": info.messages + [{"role": "assistant", "content": rewrite}], **more}
            else:
                yield {"prompt": prompt_of(info, form), "completion": rewrite, **more}
