"""Simulated annotators labelling through the REST API, exactly as an external client
would: token auth, acknowledge the codebook, lease with /next/, submit answers in
canonical positions. No ORM access to labels here.

The transport is the app itself in-process (Django's test client, so no server is
needed) or a running server's base URL.
"""
import json
import uuid
from dataclasses import dataclass

from feedback.demo.simulation.annotators import SimulatedAnnotator


class ApiError(RuntimeError):
    pass


class InProcessTransport:
    """The full request stack (middleware, auth, DRF) without a socket."""

    def __init__(self, host: str = "localhost"):
        from django.test import Client

        self.client, self.host = Client(HTTP_HOST=host), host

    def post(self, path: str, body: dict | None, token: str) -> tuple[int, dict | None]:
        response = self.client.post(path, data=json.dumps(body or {}), content_type="application/json",
                                    HTTP_AUTHORIZATION=f"Token {token}")
        return response.status_code, (response.json() if response.content else None)


class HttpTransport:
    def __init__(self, base_url: str):
        import requests

        self.base_url, self.session = base_url.rstrip("/"), requests.Session()

    def post(self, path: str, body: dict | None, token: str) -> tuple[int, dict | None]:
        response = self.session.post(self.base_url + path, json=body or {}, headers={"Authorization": f"Token {token}"},
                                     timeout=60)
        return response.status_code, (response.json() if response.content else None)


@dataclass
class ApiLabeller:
    transport: object
    slug: str
    token: str
    annotator: SimulatedAnnotator

    def _post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        status, payload = self.transport.post(f"/api/v1/projects/{self.slug}/{path}", body, self.token)
        if status >= 400:
            raise ApiError(f"POST {path} → {status}: {payload}")
        return status, payload

    def label_all(self, limit: int | None = None) -> int:
        """Label until the API has nothing left for this annotator; returns how many."""
        self._post("codebooks/acknowledge/")
        done = 0
        status, task = self._post("next/")
        while status == 200 and task and (limit is None or done < limit):
            prompt = "\n\n".join(m["content"] for m in task["task"]["prompt"]["messages"])
            shown = [(c["position"], c["text"]) for c in task["candidates"]]
            answer = self.annotator.answer(task["task"]["kind"], prompt, shown, task["task"]["prompt"]["messages"])
            body = {"answer": answer, "submission_id": str(uuid.uuid4()),
                    "time_spent_ms": self.annotator.rng.randint(3000, 20000),
                    # It ranked on purpose: a ranking that is the order shown says so.
                    "keep_shown_order": answer.get("order") == [position for position, _ in shown]}
            status, result = self._post(f"assignments/{task['assignment']}/submit/?next=true", body)
            done += 1
            task, status = result.get("next"), (200 if result.get("next") else 204)
        return done
