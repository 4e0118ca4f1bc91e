"""A live emulator and a webhook receiver on free ports, talked to over HTTP."""

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass

import httpx
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from leadgate.whatsapp.emulator import create_emulator_app, emulator_of

VERSION = "v25.0"
PHONE_ID = "111000000000001"
WABA_ID = "222000000000001"
TOKEN = "test-access-token"
SECRET = "test-app-secret"
VERIFY_TOKEN = "verify-me"
CUSTOMER = "4915112345678"
NAME = "Erika Mustermann"  # the emulator's default contact name
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/eL9GtQAAAABJRU5ErkJggg=="
)


def meta_error(response: httpx.Response, code: int, status: int = 400) -> dict:
    """Assert Meta's error shape and return the error object."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "OAuthException"
    assert error["message"].startswith(f"(#{code}) ")
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert error["error_data"]["details"]
    assert re.fullmatch(r"A[\w-]{22}", error["fbtrace_id"])
    return error


def value_of(body: dict) -> dict:
    """The value of a webhook body's first change."""
    return body["entry"][0]["changes"][0]["value"]


def emulator_config(webhook_url: str) -> dict:
    """One number pointing at the receiver, and tiny delays so tests stay fast."""
    number = {
        "phone_number_id": PHONE_ID,
        "waba_id": WABA_ID,
        "display_phone_number": "+49 30 1234567",
        "verified_name": "Muster GmbH",
        "access_token": TOKEN,
        "app_secret": SECRET,
        "verify_token": VERIFY_TOKEN,
        "webhook_url": webhook_url,
    }
    return {
        "NUMBERS": [number],
        "STATUS_DELAYS": {"sent": 0.01, "delivered": 0.02, "read": 0.03},
        "TEMPLATE_APPROVAL_DELAY": 0.02,
        "WEBHOOK_RETRY_DELAYS": [0.01, 0.01, 0.02],
        "WEBHOOK_TIMEOUT": 2.0,
    }


class LiveServer:
    """Serve a WSGI app with werkzeug on a free port in a thread."""

    def __init__(self, app) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.port}"
        # A short poll interval keeps shutdown() (and so each test) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    at: float

    def json(self) -> dict:
        return json.loads(self.body)

    def signed_with(self, secret: str = SECRET) -> bool:
        expected = hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        header = self.headers.get("X-Hub-Signature-256", "")
        return hmac.compare_digest(header, f"sha256={expected}")


class WebhookReceiver:
    """Stands in for LeadGate's webhook endpoint; can answer with failures first."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.failures: list[int] = []
        self._cond = threading.Condition()
        self.server = LiveServer(self._wsgi)
        self.url = self.server.url + "/webhook"

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET":
            return self._verify(request)(environ, start_response)
        with self._cond:
            entry = Received(
                request.get_data(), dict(request.headers), time.monotonic()
            )
            self.received.append(entry)
            status = self.failures.pop(0) if self.failures else 200
            self._cond.notify_all()
        return Response("", status=status)(environ, start_response)

    def _verify(self, request: Request) -> Response:
        if request.args.get("hub.verify_token") == VERIFY_TOKEN:
            return Response(request.args.get("hub.challenge", ""))
        return Response("forbidden", status=403)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            assert arrived, f"expected {count} webhooks, got {len(self.received)}"
            return list(self.received)

    def bodies(self) -> list[dict]:
        return [entry.json() for entry in self.received]

    def statuses(self) -> list[dict]:
        return [
            status
            for body in self.bodies()
            for status in body["entry"][0]["changes"][0]["value"].get("statuses", [])
        ]

    def stop(self) -> None:
        self.server.stop()


class EmulatorHarness:
    """The emulator app served live, with small helpers for its two APIs."""

    def __init__(self, config: dict) -> None:
        self.app = create_emulator_app(config)
        self.server = LiveServer(self.app)
        self.url = self.server.url
        self.http = httpx.Client(base_url=self.url, timeout=5)

    def graph(
        self, method: str, path: str, token: str | None = TOKEN, **kwargs
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.request(
            method, f"/{VERSION}/{path}", headers=headers, **kwargs
        )

    def send(self, payload: dict, token: str | None = TOKEN) -> httpx.Response:
        body = {"messaging_product": "whatsapp", "to": CUSTOMER, **payload}
        return self.graph("POST", f"{PHONE_ID}/messages", token=token, json=body)

    def send_text(
        self, text: str = "Hallo!", token: str | None = TOKEN, **payload
    ) -> httpx.Response:
        return self.send({"type": "text", "text": {"body": text}, **payload}, token)

    def send_template(
        self,
        name: str = "hello_world",
        language: str = "en_US",
        components=(),
        **payload,
    ) -> httpx.Response:
        template = {
            "name": name,
            "language": {"code": language},
            "components": list(components),
        }
        return self.send({"type": "template", "template": template, **payload})

    def upload(self, data: bytes = PNG, mime: str = "image/png") -> httpx.Response:
        return self.graph(
            "POST",
            f"{PHONE_ID}/media",
            data={"messaging_product": "whatsapp"},
            files={"file": ("foto.png", data, mime)},
        )

    def admin(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, f"/_admin/{path}", **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def inject(self, **params) -> dict:
        return self.admin(
            "POST", "inbound", json={"phone_number_id": PHONE_ID, **params}
        )

    def open_window(self, customer: str = CUSTOMER) -> None:
        """Let the customer write first (without a webhook) so free-form is allowed."""
        self.inject(**{"from": customer, "deliver": False})

    def wait_idle(self, timeout: float = 5.0) -> None:
        response = self.http.post("/_admin/webhooks/wait", json={"timeout": timeout})
        assert response.json()["idle"], response.text

    def clock(self, **changes) -> None:
        self.admin("POST", "clock", json=changes)

    def fault(self, kind: str, **options) -> None:
        self.admin("POST", "faults", json={"kind": kind, **options})

    def stop(self) -> None:
        self.http.close()
        emulator_of(self.app).stop()
        self.server.stop()
