"""`load_demo`: the demo project, its accounts and simulated labels; and its prompts file,
which the README points to as the complete example of the import format."""
from django.core.management import call_command

from feedback.demo.management.commands.load_demo import DEMO_DIR
from feedback.labelling.models import Candidate, Label, Project, Prompt, Task
from feedback.loop.selectors import new_preference_count


def test_the_demo_prompts_file_imports_with_import_prompts(project, capsys):
    call_command("import_prompts", str(DEMO_DIR / "prompts.jsonl"), project=project.slug)
    prompts = Prompt.objects.filter(project=project).count()
    candidates = Candidate.objects.filter(prompt__project=project).count()
    tasks = Task.objects.filter(project=project).count()
    assert prompts >= 40 and tasks >= 40
    assert 2 * prompts <= candidates + 10  # mostly 2-4 candidates each
    assert "Imported into answers" in capsys.readouterr().out


def test_load_demo_is_ready_to_train_and_safe_to_run_again(db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    demo = Project.objects.get(slug="demo")
    labels = Label.objects.filter(task__project=demo)
    # Two simulated annotators labelled every task once (not twice after the second call)...
    assert labels.count() == 2 * demo.tasks.count()
    assert set(labels.values_list("annotator__username", flat=True)) == {"sim-annotator-1", "sim-annotator-2"}
    # ...leaving each task open for a human's label, and enough preferences for a run.
    assert demo.tasks.filter(labels_done=2).count() == demo.tasks.count()
    assert new_preference_count(project=demo, algorithm=demo.training_settings.algorithm) >= demo.training_settings.min_new_preferences
    assert "admin     password admin-demo" in capsys.readouterr().out
