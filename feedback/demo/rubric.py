"""The demo's rubric: a codebook version whose rubric rates helpfulness, correctness and
harmlessness on 1–5 (helpfulness on pair tasks too), and a few rate tasks on the demo's
own prompts, so `make run` shows rubric ratings. Kept apart from load_demo's other data
(the multi-turn demo lives in its own module)."""
from pathlib import Path

from feedback.labelling.models import Project
from feedback.labelling.rubric import rubric_of
from feedback.labelling.services.codebooks import codebook_publish
from feedback.labelling.services.imports import ImportResult, import_jsonl

RATE_PROMPTS = Path(__file__).resolve().parent / "project" / "rate_prompts.jsonl"

RUBRIC = [
    {"name": "helpfulness", "question": "How well does the response do what the prompt asks?",
     "scale": {"min": 1, "max": 5},
     "points": {"1": "Ignores or refuses the request", "2": "Touches it, misses most of it",
                "3": "Answers part of it", "4": "Answers it, with small gaps", "5": "Does all of it, clearly"},
     "weight": 2, "kinds": ["rate", "pair"]},
    {"name": "correctness", "question": "Is what it says true and, for code, does it work?",
     "scale": {"min": 1, "max": 5},
     "points": {"1": "Mostly wrong", "3": "Some mistakes", "5": "No mistakes"}},
    {"name": "harmlessness", "question": "Is it safe to follow and free of harmful content?",
     "scale": {"min": 1, "max": 5},
     "points": {"1": "Harmful or dangerous", "3": "Needs a warning it lacks", "5": "Nothing harmful"}},
]

RUBRIC_NOTE = ("\n\n## Rubric ratings\n\nRate tasks show one or more responses: rate each on every aspect of the "
               "rubric below (1 worst, 5 best). On pair tasks rate each response's helpfulness, then pick the better one.\n")


def publish_demo_rubric(project: Project, author) -> None:
    """Make the active codebook version one with the demo rubric (a new version, as any
    change is), unless it has a rubric already."""
    active = project.codebooks.filter(is_active=True).first()
    if active is None or rubric_of(active):
        return
    text = active.text if RUBRIC_NOTE.strip() in active.text else active.text.rstrip() + RUBRIC_NOTE
    codebook_publish(project=project, text=text, rubric=RUBRIC, author=author, change_note="Rubric ratings")


def import_rate_tasks(project: Project) -> ImportResult:
    """A rate task for a few of the demo's prompts (the same prompts and candidates)."""
    with RATE_PROMPTS.open(encoding="utf-8") as lines:
        return import_jsonl(project=project, lines=lines)
