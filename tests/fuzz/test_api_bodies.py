"""Every API body (submit, codebook publish, prompt import, snapshot create, and the
bodyless posts given one anyway), fuzzed as JSON, as raw bytes and as form fields: no
5xx, every error is JSON, and nothing is written when the request is refused."""
import json

from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz_requests import FORM, check_request
from tests.support.strategies import (
    body_of,
    deep_value,
    encode_json,
    fuzz_settings,
    huge_ints,
    json_values,
    path_ids,
    plain_text,
    raw_json_bodies,
    urlencode_form,
    uuids,
    weighted,
)


def answers(kind: str):
    """Answers for a task of `kind` in the API's canonical form, with awkward items, or
    one of another kind's shape, or nested past any bound."""
    item = st.one_of(st.integers(0, 2), huge_ints(), json_values(2))
    shapes = {
        "pair": st.fixed_dictionaries({"choice": st.sampled_from(["A", "B", "tie", "both_bad", "\x00"]),
                                       "strength": st.sampled_from([None, 1, 3, 2**63, 1e999, "2", [1]])}),
        "rank": st.fixed_dictionaries({"order": st.one_of(st.permutations([0, 1, 2]), st.lists(item, max_size=4))}),
        "thumbs": st.fixed_dictionaries({"thumbs": st.dictionaries(st.sampled_from(["0", "1", "2", "x", "\x00"]),
                                                                   st.sampled_from(["up", "down", "\ud800", 1]),
                                                                   max_size=3)}),
    }
    return weighted((8, shapes[kind]), (1, st.sampled_from(list(shapes.values())).flatmap(lambda s: s)), (1, deep_value()))


def submit_bodies(kind: str):
    numbers = st.one_of(huge_ints(), json_values())
    return body_of({
        "answer": answers(kind), "submission_id": uuids(), "time_spent_ms": st.integers(0, 10_000),
        "rewrite": plain_text(), "comment": plain_text(), "codebook_version": st.sampled_from([1, None]),
    }, wrong={"time_spent_ms": numbers, "codebook_version": numbers})


def import_items():
    candidate = body_of({"text": plain_text(), "producer": st.just("model-a"), "sampling": st.just({"temperature": 0.7})})
    item = body_of({"external_id": plain_text(10), "prompt": plain_text(),
                    "kind": st.sampled_from(["pair", "rank", "thumbs"]),
                    "candidates": st.lists(candidate, min_size=2, max_size=3), "metadata": json_values(4)})
    return body_of({"items": st.lists(item, min_size=1, max_size=3)}, wrong={"items": st.one_of(deep_value(), json_values())})


def snapshot_bodies():
    filters = st.dictionaries(
        st.sampled_from(["since", "until", "codebook_version", "tier", "split", "min_agreement", "max_label_id", "columns"]),
        st.one_of(st.sampled_from(["2020-13-45", "2020-02-30", "9999-12-31", "1", "expert", str(2**63)]), json_values(3)),
        max_size=3)
    return body_of({"dataset": st.sampled_from(["preference", "unpaired", "sft", "raw"]),
                    "form": st.sampled_from(["conversational", "standard"]), "filters": filters})


def codebook_bodies():
    return body_of({"text": plain_text(60), "change_note": plain_text()})


def encodings(bodies):
    """(content type, bytes): the body as JSON, as form fields (nested values as their
    JSON text, as a form-posting client sends them), or raw bytes that are not JSON."""
    as_form = bodies.map(lambda body: urlencode_form(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}))
    as_json = bodies.map(lambda body: ("application/json", encode_json(body)))
    return weighted((6, as_json), (2, as_form.map(lambda data: (FORM, data))),
                    (1, raw_json_bodies().map(lambda raw: ("application/json", raw))))


def post(world, url: str, content_type: str, body: bytes):
    response = check_request(world.client, "POST", url, body=body, content_type=content_type,
                             headers={"Authorization": f"Token {world.token}"})
    if response is not None and response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), (url, response.status_code)
    return response


def test_submit_bodies(world):
    base = f"/api/v1/projects/{world.project.slug}"

    @fuzz_settings()
    @given(data=st.data(), kind=st.sampled_from(sorted(world.leases)), with_next=st.booleans())
    def probe(data, kind, with_next):
        own = world.leases[kind].pk
        assignment = data.draw(path_ids([own, own, own, world.other_assignment]), label="assignment")
        content_type, body = data.draw(encodings(submit_bodies(kind)), label="body")
        post(world, f"{base}/assignments/{assignment}/submit/" + ("?next=true" if with_next else ""), content_type, body)

    probe()


def test_submit_answers(world):
    """The answer alone, every other field right: what reaches the answer's validation."""
    base = f"/api/v1/projects/{world.project.slug}"

    @fuzz_settings()
    @given(kind=st.sampled_from(sorted(world.leases)), answer=st.data(), submission=st.uuids())
    def probe(kind, answer, submission):
        body = {"answer": answer.draw(answers(kind), label="answer"), "submission_id": str(submission),
                "time_spent_ms": 900}
        post(world, f"{base}/assignments/{world.leases[kind].pk}/submit/", "application/json", encode_json(body))

    probe()


def test_import_bodies(world):
    url = f"/api/v1/projects/{world.project.slug}/prompts/import/"

    @fuzz_settings()
    @given(sent=encodings(import_items()))
    def probe(sent):
        post(world, url, *sent)

    probe()


def test_other_bodies(world):
    """Codebook publish and snapshot create, and the posts that take no body sent one anyway."""
    base = f"/api/v1/projects/{world.project.slug}"
    lease = world.leases["pair"].pk

    @fuzz_settings()
    @given(data=st.data(), target=st.sampled_from(["codebooks", "snapshots", "skip", "next", "acknowledge", "token"]))
    def probe(data, target):
        bodies = {"codebooks": codebook_bodies(), "snapshots": snapshot_bodies()}.get(target, json_values(4).map(
            lambda v: {"x": v}))
        content_type, body = data.draw(encodings(bodies), label="body")
        url = {"codebooks": f"{base}/codebooks/", "snapshots": f"{base}/snapshots/",
               "skip": f"{base}/assignments/{lease}/skip/", "next": f"{base}/next/",
               "acknowledge": f"{base}/codebooks/acknowledge/", "token": "/api/v1/token/"}[target]
        post(world, url, content_type, body)

    probe()
