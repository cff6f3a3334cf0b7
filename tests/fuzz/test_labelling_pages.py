"""Every form post of the labelling pages (label submit and skip, codebook acknowledge
and edit, the import upload, the login form), fuzzed: no 5xx, and nothing written when
the post is refused."""
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz_requests import check_request, post_form
from tests.support.strategies import (
    deep_json_text,
    form_of,
    fuzz_settings,
    json_values,
    number_texts,
    path_ids,
    uuids,
)


def label_forms():
    ranks = st.sampled_from(["1", "2", "3"])
    return form_of({
        "submission_id": uuids(),
        "choice": st.sampled_from(["A", "B", "tie", "both_bad"]),
        "strength": st.sampled_from(["", "1", "2", "3"]),
        "thumb_0": st.sampled_from(["up", "down"]), "thumb_1": st.sampled_from(["up", "down"]),
        "rank_0": ranks, "rank_1": ranks, "rank_2": ranks,
        "rate_0_helpfulness": st.sampled_from(["", "3", "9", "x", "0" * 5000]),
        "time_spent_ms": st.sampled_from(["", "1200"]), "rendered_at_ms": st.sampled_from(["", "1"]),
        "codebook_version": st.sampled_from(["", "1"]),
        "rewrite": st.text(max_size=20), "comment": st.text(max_size=20),
    })


def test_label_submit_and_skip(world):
    slug = world.project.slug
    own = [lease.pk for lease in world.leases.values()]

    @fuzz_settings()
    @given(assignment=path_ids(own + [world.other_assignment]), action=st.sampled_from(["submit", "submit", "skip"]),
           form=label_forms(), htmx=st.booleans())
    def probe(assignment, action, form, htmx):
        post_form(world, f"/p/{slug}/label/{assignment}/{action}/", form, htmx=htmx)

    probe()


# Rubric boxes: a good one, and JSON that is not one (feedback.labelling.rubric).
RUBRICS = ["", "[]", "[", "{}", "[1]", '[{"name": "h", "question": "q", "scale": {"min": 1, "max": 5}}]',
           '[{"name": "h", "question": "q", "scale": {"min": 1, "max": 5}, "weight": 1e400}]',
           '[{"name": "h", "question": "q", "scale": {"min": 0, "max": 99999999999999999999}}]']


def test_codebook_acknowledge_and_edit(world):
    slug = world.project.slug

    @fuzz_settings()
    @given(which=st.sampled_from(["acknowledge", "edit"]),
           form=form_of({"version": st.sampled_from(["1", "2"]), "next": st.just("label"),
                         "text": st.text(min_size=1, max_size=60), "change_note": st.text(max_size=20),
                         "rubric": st.sampled_from(RUBRICS) | st.text(max_size=40)}))
    def probe(which, form):
        post_form(world, f"/p/{slug}/codebook/{which}/", form)

    probe()


def import_files():
    """Import files: plausible lines, JSON of every shape, deep nesting, NaN, bad bytes."""
    line = st.one_of(
        json_values(6).map(json.dumps),
        deep_json_text(),
        st.sampled_from(['{"external_id": "x", "prompt": "p", "kind": "pair", "candidates": '
                         '[{"text": "a", "producer": "m"}, {"text": "b", "producer": "m", "sampling": {"t": NaN}}]}',
                         '{"external_id": "y", "prompt": "p", "kind": "pair", "candidates": '
                         '[{"text": "a", "producer": "m"}, {"text": "b", "producer": "m"}]}']),
    )
    text = st.lists(line, min_size=0, max_size=3).map("\n".join).map(str.encode)
    raw = st.sampled_from([b"\xef\xbb\xbf{}", b"\xff\xfe\x00\x01", b"\x00" * 10, b""])
    return st.one_of(text, raw)


def test_import_upload(world):
    url = reverse("labelling:import", args=[world.project.slug])

    @fuzz_settings()
    @given(content=import_files(), name=st.sampled_from(["prompts.jsonl", "x", "\u202e.jsonl"]))
    def probe(content, name):
        check_request(world.client, "POST", url, files={"file": SimpleUploadedFile(name, content)})

    probe()


def test_login_form(world):
    url = reverse("login")
    # From an address of its own (TEST-NET-3): a lockout after failed logins, kept in a
    # cache that outlives the test, must not lock other tests' 127.0.0.1 out.
    anonymous = Client(REMOTE_ADDR="203.0.113.19")

    @fuzz_settings()
    @given(form=form_of({"username": st.sampled_from(["fuzzer", "nobody"]),
                         "password": st.sampled_from(["fuzzer-pw", "wrong"]),
                         "next": st.sampled_from(["/", "//evil.example", "/p/x/label/"])}))
    def probe(form):
        post_form(world, url, form, client=anonymous)

    probe()


def test_number_texts_reach_the_form_parsers():
    """The strategies themselves: a huge number, a non-ASCII digit and an empty field
    all turn up within the default run's examples (else the layer tests nothing)."""
    seen = set()

    @fuzz_settings(examples=200)
    @given(number_texts())
    def probe(text):
        seen.add("huge" if text.isdigit() and text.isascii() and len(text) > 18 else
                 "unicode digit" if text.isdigit() and not text.isascii() else "empty" if text == "" else "other")

    probe()
    assert {"huge", "unicode digit", "empty"} <= seen



def test_label_edit_and_undo(world):
    """Edits and undos of the admin's own labels (one of each kind), of others' labels
    and of no label, from the label's page and the labelling page: nothing written when
    refused."""
    from feedback.labelling.models import CodebookVersion
    from tests.support.labels import make_label

    slug = world.project.slug
    codebook = CodebookVersion.objects.get(project=world.project, is_active=True)
    answers = {"pair": {"choice": "A", "strength": None}, "rank": {"order": [2, 0, 1]},
               "thumbs": {"thumbs": {"0": "up", "1": "down"}}}
    own = [make_label(world.tasks[kind][2], world.admin, codebook, answer).pk for kind, answer in answers.items()]
    others = [world.tasks["pair"][0].labels.first().pk]

    @fuzz_settings()
    @given(label=path_ids(own + others), action=st.sampled_from(["edit", "edit", "undo"]), form=label_forms(),
           htmx=st.booleans())
    def probe(label, action, form, htmx):
        post_form(world, f"/p/{slug}/labels/{label}/{action}/", form, htmx=htmx)

    @fuzz_settings()
    @given(htmx=st.booleans(), form=form_of({"x": st.text(max_size=5)}))
    def probe_last(htmx, form):
        post_form(world, f"/p/{slug}/label/undo/", form, htmx=htmx)

    probe()
    probe_last()
