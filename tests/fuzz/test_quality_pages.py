"""Every form post of the reviewer pages (adjudicate, annotator tier, the quiz, gold
items, the calibration set), fuzzed: no 5xx, and nothing written when refused."""
from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz_requests import post_form
from tests.support.strategies import form_of, fuzz_settings, huge_ints, path_ids


def adjudication_forms():
    """The labelling page's fields (as the adjudication page posts them), the note, and
    a way back that is one of the quality pages, another page, or another site."""
    return form_of({
        "choice": st.sampled_from(["A", "B", "tie", "both_bad"]), "strength": st.sampled_from(["1", "3", "4", "-1", "x"]),
        **{f"rank_{position}": st.sampled_from(["1", "2", "3", "0", "4", f"{2**64}", "-1"]) for position in range(3)},
        "thumb_0": st.sampled_from(["up", "down"]), "thumb_1": st.sampled_from(["up", "down"]),
        "note": st.text(max_size=30), "make_gold": st.sampled_from(["on", "1"]),
        "next": st.sampled_from(["/p/answers/quality/disputed/?sort=newest", "/p/answers/quality/gold/", "//evil.example/",
                                 "https://evil.example/p/answers/quality/", "/admin/"]),
    })


def test_adjudicate_and_gold(world):
    slug = world.project.slug
    task_ids = [task.pk for tasks in world.tasks.values() for task in tasks]

    @fuzz_settings()
    @given(task=path_ids(task_ids), action=st.sampled_from(["adjudicate", "adjudicate", "unmark"]),
           form=adjudication_forms())
    def probe(task, action, form):
        url = f"/p/{slug}/quality/tasks/{task}/adjudicate/" if action == "adjudicate" else f"/p/{slug}/quality/gold/{task}/unmark/"
        post_form(world, url, form)

    probe()


def test_tier_quiz_and_calibration(world):
    slug = world.project.slug
    users = world.annotator_ids + [world.admin.pk]
    quiz_key = f"q{world.quiz.pk}"

    @fuzz_settings()
    @given(which=st.sampled_from(["tier", "quiz", "calibration"]),
           user=st.one_of(st.sampled_from(users), huge_ints().filter(lambda n: n >= 0)),
           form=form_of({"tier": st.sampled_from(["trusted", "regular", "probation", "expert"]),
                         "version": st.sampled_from(["1", "2"]), quiz_key: st.sampled_from(["0", "1"]),
                         "task_ids": st.sampled_from(["1", "1, 2", "1,,2", f"{2**63}", "٣"]),
                         "random_count": st.sampled_from(["1", "3", "200", "201"])}))
    def probe(which, user, form):
        url = {"tier": f"/p/{slug}/quality/annotators/{user}/tier/", "quiz": f"/p/{slug}/codebook/quiz/",
               "calibration": f"/p/{slug}/quality/calibration/"}[which]
        post_form(world, url, form)

    probe()
