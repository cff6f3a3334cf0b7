from django.template import Context, Template

from feedback.quality.templatetags.quality import response_numbers


def test_answer_text_is_the_stored_answer_as_reviewers_read_it():
    rendered = Template("{% load quality %}{{ answer|answer_text }}").render(Context({"answer": {"choice": "A", "strength": 2}}))
    assert rendered == "Response 1 (clearly better)"


def test_display_orders_read_as_response_numbers():
    assert response_numbers([1, 0, 2]) == "2, 1, 3" and response_numbers([]) == "—"
