"""Every page that reads its query string (dashboard filters, pagination, ?task=,
?annotator=, ?next=...), and every page with a number in its path, fuzzed: no 5xx."""
from urllib.parse import quote_from_bytes

from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz_requests import check_request
from tests.support.strategies import form_values, fuzz_settings, path_ids

DATES = ["2024-05-01", "2020-13-45", "2020-02-30", "9999-12-31", "0001-01-01", "2024-05-01T10:00:00+05:00",
         "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "yesterday", "20240501"]
PARAMETERS = ["since", "until", "codebook_version", "tier", "split", "min_agreement", "max_label_id", "show", "task",
              "gold", "from", "annotator", "page", "next",
              "sort", "kind", "max_share"]


def query_strings():
    value = st.one_of(st.sampled_from(DATES), st.sampled_from(["1", "all", "expert", "train", "ada", "newest", "rank", "0.5", "nan", "1e999"]), form_values())
    pairs = st.lists(st.tuples(st.sampled_from(PARAMETERS), value), max_size=4)
    return pairs.map(lambda items: "&".join(
        f"{name}={quote_from_bytes(str(v).encode('utf-8', 'surrogatepass'), safe='')}" for name, v in items))


def test_pages_with_query_parameters(world):
    slug = world.project.slug
    task = world.tasks["pair"][0].pk
    pages = [f"/p/{slug}/quality/", f"/p/{slug}/quality/disputed/", f"/p/{slug}/quality/gold/",
             f"/p/{slug}/quality/tasks/{task}/adjudicate/", f"/p/{slug}/labels/", f"/p/{slug}/codebook/",
             f"/p/{slug}/training/", f"/p/{slug}/adapters/", f"/p/{slug}/leaderboard/", f"/p/{slug}/label/", "/"]

    @fuzz_settings()
    @given(page=st.sampled_from(pages), query=query_strings(), htmx=st.booleans())
    def probe(page, query, htmx):
        check_request(world.client, "GET", f"{page}?{query}", headers={"HX-Request": "true"} if htmx else {},)

    probe()


def test_pages_with_numbers_in_their_path(world):
    slug = world.project.slug
    label = world.tasks["pair"][0].labels.first().pk
    known = [label, world.run.pk, world.tasks["pair"][0].pk, 1, 2]
    pages = ["labels/{}/", "labels/{}/edit/", "training/runs/{}/", "rounds/{}/", "codebook/v{}/", "quality/tasks/{}/adjudicate/"]

    @fuzz_settings()
    @given(page=st.sampled_from(pages), number=path_ids(known))
    def probe(page, number):
        check_request(world.client, "GET", f"/p/{slug}/" + page.format(number))

    probe()
