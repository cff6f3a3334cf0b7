"""Preference pairs derived from rubric ratings (the preference export's source=ratings
or both): per prompt, each response's score is the mean across annotators of its
weighted overall score (labelling.rubric.overall_score, in [0, 1], so responses rated
under different rubrics compare); the best response is chosen, and rejected is each
lower one (rejected=each) or only the worst (rejected=worst).

  score_margin  the chosen score minus the rejected one
  agreement     the share of the annotators who scored both responses whose own scores
                put the chosen one above (a tie counts against, as a tie vote does for
                a pair); None when no one scored both
  votes         how many annotators scored both

A pair whose margin is below min_margin (a tie never makes a pair) is left out and
counted as below_min_margin; a prompt with one rated response as ratings_one_response.
"""
from feedback.exports.builders.rated import RatedResponse, rated_prompts, response_score
from feedback.exports.builders.tasks import extras, prompt_of, response
from feedback.exports.filters import ExportFilters
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project

# Scores are sums of fractions: compare margins after rounding away float noise, so a
# margin of exactly min_margin on paper is kept.
MARGIN_DIGITS = 9


def _agreement(chosen: RatedResponse, rejected: RatedResponse, weights: dict[int, float]) -> tuple[float | None, int]:
    both = set(chosen.scores) & set(rejected.scores)
    if not both:
        return None, 0
    mean = {r.candidate_id: {a: sum(r.scores[a]) / len(r.scores[a]) for a in both} for r in (chosen, rejected)}
    agreeing = sum(weights.get(a, 1.0) for a in both if mean[chosen.candidate_id][a] > mean[rejected.candidate_id][a])
    return agreeing / sum(weights.get(a, 1.0) for a in both), len(both)


def _shared_task(chosen: RatedResponse, rejected: RatedResponse) -> int | None:
    """The first task that showed both responses (None: they were rated apart)."""
    shared = chosen.tasks & rejected.tasks
    return min(shared) if shared else None


def rating_pair_rows(project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str, columns,
                     weights: dict[int, float], count_kinds=None):
    """Rows in the preference dataset's shape, with source "ratings"."""
    for prompt in rated_prompts(project, filters, summary, count_kinds=count_kinds):
        scored = sorted(((response_score(r, weights), r) for r in prompt.responses.values()), key=lambda s: -s[0])
        if len(scored) < 2:
            summary.excluded["ratings_one_response"] += 1
            continue
        best_score, best = scored[0]
        rejected = scored[1:] if filters.rejected == "each" else scored[-1:]
        for score, other in rejected:
            margin = round(best_score - score, MARGIN_DIGITS)
            if margin <= 0 or margin < filters.min_margin:
                summary.excluded["below_min_margin"] += 1
                continue
            agreement, votes = _agreement(best, other, weights)
            if filters.min_agreement is not None and (agreement is None or agreement < filters.min_agreement):
                summary.excluded["below_min_agreement"] += 1
                continue
            summary.rows[prompt.split] += 1
            yield {
                "prompt": prompt_of(prompt, form),
                "chosen": response(best.text, form),
                "rejected": response(other.text, form),
                **extras(columns, prompt, _shared_task(best, other), source="ratings", score_margin=round(margin, 4),
                         agreement=None if agreement is None else round(agreement, 4), strength=None, votes=votes,
                         adjudicated=False),
            }
