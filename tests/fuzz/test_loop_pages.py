"""Every form post of the training pages (train now, cancel, promote, roll back,
generate a round), fuzzed: no 5xx, and nothing written when refused."""
from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz_requests import post_form
from tests.support.strategies import form_of, fuzz_settings, path_ids


def test_training_and_adapter_posts(world):
    slug = world.project.slug
    adapters = [adapter.pk for adapter in world.adapters]

    @fuzz_settings()
    @given(which=st.sampled_from(["train-now", "cancel", "promote", "rollback", "generate"]),
           pk=path_ids(adapters + [world.run.pk]),
           form=form_of({"note": st.text(max_size=30), "role": st.sampled_from(["policy", "reward"]),
                         "adapter": st.sampled_from([str(pk) for pk in adapters] + [""]),
                         "prompts": st.sampled_from(["1", "16", "10000", "10001", "0"]),
                         "kind": st.sampled_from(["pair", "rank", "thumbs", ""]),
                         "pairing": st.sampled_from(["samples", "previous", "base"])}))
    def probe(which, pk, form):
        url = {"train-now": f"/p/{slug}/training/train-now/", "cancel": f"/p/{slug}/training/runs/{pk}/cancel/",
               "promote": f"/p/{slug}/adapters/{pk}/promote/", "rollback": f"/p/{slug}/adapters/rollback/",
               "generate": f"/p/{slug}/generate/"}[which]
        post_form(world, url, form)

    probe()
