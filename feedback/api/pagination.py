from rest_framework.pagination import CursorPagination, LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """?limit=&offset=, 50 by default, never more than 500 a page."""

    default_limit = 50
    max_limit = 500


class LabelCursorPagination(CursorPagination):
    """Labels in id order, ?limit= (50 by default, at most 500) at a time from the cursor
    in the `next` link: each page reads the next rows of the label's primary key. No
    count and no offset, which would walk every label before the page: the label list
    grows with a project's history, a page must not."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
