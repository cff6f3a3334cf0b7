"""The shown task's statement reads what the ORM reads."""
from feedback.labelling.models import TaskCandidate
from feedback.labelling.sql.rows import converted, fetch_all
from feedback.labelling.sql.tasks import shown


def test_shown_is_the_orm_task_prompt_and_candidates(project, tasks_of):
    for task in tasks_of("rank", 2) + tasks_of("pair", 2):
        links = TaskCandidate.objects.filter(task=task).select_related("candidate", "task__prompt")
        orm = sorted((link.position, link.candidate.text, link.task.kind, link.task.prompt.external_id,
                      link.task.prompt.messages, link.task.prompt.is_chat) for link in links)
        prompt_field = links[0].task.prompt._meta
        raw = sorted((position, text, kind, external_id, converted(prompt_field.get_field("messages"), messages),
                      bool(converted(prompt_field.get_field("is_chat"), is_chat)))
                     for position, text, kind, external_id, messages, is_chat in fetch_all(shown(), {"task": task.pk}))
        assert raw == orm and len(raw) == task.candidate_count
