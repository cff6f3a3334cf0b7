"""python manage.py generate_round --project SLUG — new candidates and tasks from the
promoted adapter (or a given version, or the base model)."""
from django.core.management.base import BaseCommand, CommandError

from feedback.labelling.models import Project
from feedback.loop.models import GenerationRound
from feedback.loop.selectors import promoted_adapter
from feedback.loop.services.rounds import DEFAULTS, RoundError, round_config, round_execute, round_request


class Command(BaseCommand):
    help = "Generate candidates for a set of prompts and create labelling tasks from them."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--adapter", help="version label like v3, or 'base'; default: the promoted adapter")
        parser.add_argument("--prompts", type=int, default=DEFAULTS["prompts"])
        parser.add_argument("--split", choices=["train", "heldout", "any"], default=DEFAULTS["split"])
        parser.add_argument("--kind", choices=["pair", "thumbs", "rank"], default=DEFAULTS["kind"])
        parser.add_argument("--pairing", choices=["previous", "samples"], help="default: previous with an adapter")
        parser.add_argument("--temperature", type=float, default=DEFAULTS["temperature"])
        parser.add_argument("--max-new-tokens", type=int, default=DEFAULTS["max_new_tokens"])
        parser.add_argument("--queue", action="store_true", help="enqueue on the training worker instead of running here")

    def handle(self, *args, **opts):
        try:
            project = Project.objects.get(slug=opts["project"])
        except Project.DoesNotExist:
            raise CommandError(f"No project with slug {opts['project']!r}.") from None
        adapter = None
        if opts["adapter"] and opts["adapter"] != "base":
            adapter = project.adapters.filter(version=opts["adapter"].lstrip("v")).first()
            if adapter is None:
                raise CommandError(f"{project.slug} has no adapter {opts['adapter']}.")
        elif opts["adapter"] is None:
            adapter = promoted_adapter(project=project)
        settings = dict(prompts=opts["prompts"], split=opts["split"], kind=opts["kind"],
                        pairing=opts["pairing"] or ("previous" if adapter else "samples"),
                        temperature=opts["temperature"], max_new_tokens=opts["max_new_tokens"])
        try:
            if opts["queue"]:
                generation = round_request(project=project, adapter=adapter, trigger="command", **settings)
                self.stdout.write(f"Queued generation round {generation.pk}.")
                return
            generation = GenerationRound.objects.create(project=project, adapter=adapter, trigger="command",
                                                        config=round_config(**settings))
        except RoundError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Generating for {generation.config['prompts']} prompts with "
                          f"{adapter.label if adapter else 'the base model'}…")
        generation = round_execute(round_id=generation.pk)
        if generation.status != "succeeded":
            raise CommandError(f"Round {generation.pk} {generation.status}: {generation.failure_reason}")
        m = generation.metrics
        self.stdout.write(self.style.SUCCESS(
            f"Round {generation.pk}: {m.get('tasks_created')} tasks from {m.get('candidates')} candidates"
            f" ({m.get('tokens_per_second', 0):.1f} tokens/s on {m.get('device', '?')})."
        ))
