from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """?limit=&offset=, 50 by default, never more than 500 a page."""

    default_limit = 50
    max_limit = 500
