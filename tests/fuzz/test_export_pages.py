"""The Export page's query string (preview and download) and its snapshot form, and the
Tokens page's form, fuzzed: no 5xx, and nothing written when refused."""
from urllib.parse import quote_from_bytes

from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz_requests import check_request, post_form
from tests.support.strategies import form_of, form_values, fuzz_settings

CHOICES = {
    "dataset": st.sampled_from(["preference", "unpaired", "sft", "ratings", "raw", "nope"]),
    "form": st.sampled_from(["conversational", "text", "chat"]),
    "format": st.sampled_from(["jsonl", "parquet", "datasets", "csv"]),
    "columns": st.sampled_from(["agreement", "agreement,votes", "split,,task_id", "secret"]),
    "codebook_version": st.sampled_from(["1", "1,2", f"{2**31}", "v1"]),
    "since": st.sampled_from(["2024-05-01", "2020-02-30", "0001-01-01", "yesterday"]),
    "until": st.sampled_from(["9999-12-31", "2024-05-01T10:00:00+05:00", "20240501"]),
    "min_agreement": st.sampled_from(["0.5", "1", "2", "-0", "nan", "1e999"]),
    "tier": st.sampled_from(["expert", "regular,trainee", "wizard"]),
    "split": st.sampled_from(["train", "heldout", "test"]),
    "max_label_id": st.sampled_from(["0", "5", f"{2**63}", "-1"]),
    "weight_by_reliability": st.sampled_from(["1", "true", "no"]),
    "source": st.sampled_from(["choices", "ratings", "both", "votes"]),
    "rejected": st.sampled_from(["each", "worst", "all"]),
    "min_margin": st.sampled_from(["0", "0.05", "1", "1.5", "nan"]),
}


def query_strings():
    pairs = st.lists(st.tuples(st.sampled_from(sorted(CHOICES)), st.one_of(*CHOICES.values(), form_values())), max_size=5)
    return pairs.map(lambda items: "&".join(
        f"{name}={quote_from_bytes(str(v).encode('utf-8', 'surrogatepass'), safe='')}" for name, v in items))


def test_export_preview_and_download(world):
    slug = world.project.slug

    @fuzz_settings()
    @given(page=st.sampled_from(["export/", "export/download/"]), query=query_strings(), htmx=st.booleans())
    def probe(page, query, htmx):
        response = check_request(world.client, "GET", f"/p/{slug}/{page}?{query}",
                                 headers={"HX-Request": "true"} if htmx else {})
        if response.streaming:
            b"".join(response.streaming_content)  # the rows are built as the body is read

    probe()


def test_snapshot_form(world):
    @fuzz_settings()
    @given(form=form_of(CHOICES))
    def probe(form):
        post_form(world, f"/p/{world.project.slug}/export/snapshot/", form)

    probe()


def test_tokens_form(world):
    @fuzz_settings()
    @given(form=form_of({"action": st.sampled_from(["create", "revoke", "steal"]), "confirm": st.sampled_from(["yes", "no"])}))
    def probe(form):
        post_form(world, "/accounts/tokens/", form)

    probe()
