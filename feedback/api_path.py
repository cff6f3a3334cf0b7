"""Where the REST API lives (feedback.urls mounts it at "api/"). The middlewares
and error views that answer JSON there and pages elsewhere ask `is_api` — a low module,
so the shared utilities (limits, request_text) need not import the api app for it."""
API_PREFIX = "/api/"


def is_api(request) -> bool:
    # path_info, as URL routing sees it (request.path adds any SCRIPT_NAME mount point).
    return request.path_info.startswith(API_PREFIX)
