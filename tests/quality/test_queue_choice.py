"""The disputed queue's query string: what each parameter takes, and the message that
names a bad one."""
import pytest
from django.http import QueryDict

from feedback.labelling.filters import FilterError
from feedback.quality.queue_choice import parse_queue_choice


def parse(query: str, threshold: float = 0.75):
    return parse_queue_choice(QueryDict(query), threshold=threshold)


def test_nothing_asked_is_the_open_tasks_at_the_projects_threshold_most_split_first():
    choice = parse("")
    assert (choice.open_only, choice.sort, choice.kind, choice.version, choice.max_share) == (True, "split", "", None, 0.75)
    assert choice.ordering == ("majority_share", "-labels", "task_id")
    assert choice.query() == "show=open&sort=split"  # the threshold follows the setting


def test_each_parameter_is_read():
    choice = parse("show=all&sort=newest&kind=rank&max_share=.5&codebook_version=2")
    assert (choice.open_only, choice.sort, choice.kind, choice.max_share, choice.version) == (False, "newest", "rank", 0.5, 2)
    assert choice.query(show="open") == "show=open&sort=newest&kind=rank&max_share=0.5&codebook_version=2"
    assert parse("max_share=1").max_share == 1.0 and parse("max_share=0").max_share == 0.0


@pytest.mark.parametrize("query, message", [
    ("show=some", "show: use open or all"),
    ("sort=random", "sort: use split, agreed, labels, newest"),
    ("kind=poll", "kind: use pair, rank, thumbs"),
    ("max_share=1.5", "max_share: a majority share from 0 to 1"),
    ("max_share=-0.1", "max_share: a majority share from 0 to 1"),
    ("max_share=nan", "max_share"), ("max_share=inf", "max_share"), ("max_share=1e400", "max_share"),
    ("max_share=half", "max_share"), (f"max_share={'0' * 30}", "max_share"),
    ("codebook_version=x", "codebook_version: whole numbers"),
    ("codebook_version=0", "codebook_version: one version number"),
    ("codebook_version=1,2", "codebook_version: one version number"),
    (f"codebook_version={2**31}", "codebook_version: numbers from 0 to"),
])
def test_a_bad_value_names_its_parameter(query, message):
    with pytest.raises(FilterError, match=message.replace("(", r"\(")):
        parse(query)
