"""WhatsAppClient: the only code that calls Meta's Graph API (or the emulator).

Every answer is read defensively: whatever comes back (a proxy's HTML page,
JSON of another shape, JSON nested a million levels deep) ends as a return
value of the documented shape or as a WhatsAppError, never as another
exception. A send job that crashed after marking its messages `sending` would
leave them to the sweeper's "unconfirmed" instead of the retry rules.
"""

import os
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from .payloads.depth import load_json

# Meta's temporary errors: worth another try later. Everything else is permanent.
RETRYABLE_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057}
TOKEN_ERROR_CODES = {0, 190}
# Meta allows a few thousand templates per WABA, 100 a page; a Graph that pages
# on past this (or repeats its cursor) would keep the sync going forever.
MAX_TEMPLATE_PAGES = 100


class WhatsAppError(Exception):
    """An error answer from the Graph API, or no answer at all."""

    def __init__(
        self,
        code: int | None,
        message: str,
        details: str | None = None,
        http_status: int | None = None,
        maybe_received: bool = False,
    ):
        super().__init__(f"({code}) {message}")
        self.code = code
        self.message = message
        self.details = details
        self.http_status = http_status
        # No answer after the request went out: Meta may have accepted it.
        self.maybe_received = maybe_received

    @property
    def retryable(self) -> bool:
        if self.code is None:  # network error or a 5xx without Meta's error body
            return True
        return self.code in RETRYABLE_CODES

    @property
    def token_invalid(self) -> bool:
        return self.code in TOKEN_ERROR_CODES


@dataclass(frozen=True)
class PhoneNumberInfo:
    id: str
    verified_name: str | None
    display_phone_number: str | None
    quality_rating: str | None
    throughput_level: str | None = None  # STANDARD, HIGH, … (throughput.level)
    on_business_app: bool = False  # is_on_biz_app: a coexistence number


@dataclass(frozen=True)
class MediaInfo:
    id: str
    url: str
    mime_type: str | None
    sha256: str | None
    file_size: int | None


@dataclass(frozen=True)
class Accepted:
    """A send Meta took on: its wamid and, for paced templates, why it waits."""

    wamid: str
    # "held_for_quality_assessment": Meta holds a paced template while it collects
    # feedback; later status webhooks tell whether it went out (or 132015).
    message_status: str | None = None


_shared: httpx.Client | None = None
_shared_pid: int | None = None
_shared_lock = threading.Lock()


def shared_http() -> httpx.Client:
    """One connection pool per process for every channel's calls.

    Building an httpx.Client loads the TLS trust store (about 20 ms of CPU); per
    send that would cost more than the send itself, and pooled keep-alive
    connections to graph.facebook.com save a TLS handshake per call too.
    """
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():  # not across a fork
            _shared = httpx.Client(
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=32)
            )
            _shared_pid = os.getpid()
        return _shared


class WhatsAppClient:
    """One client per channel (token and phone number ID differ); pooled connections."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 10,
        transport: httpx.BaseTransport | None = None,
    ):
        # A transport of its own: httpx.MockTransport in unit tests of the mapping.
        self._own = httpx.Client(transport=transport) if transport else None
        self._http = self._own or shared_http()
        self._base_url = base_url.rstrip("/") + "/"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = timeout

    def close(self) -> None:
        if self._own is not None:  # the shared pool stays open
            self._own.close()

    def __enter__(self) -> "WhatsAppClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def get_phone_number(self, phone_number_id: str) -> PhoneNumberInfo:
        fields = (
            "verified_name,display_phone_number,quality_rating,throughput,is_on_biz_app"
        )
        data = self._request("GET", phone_number_id, params={"fields": fields})
        throughput = data.get("throughput")
        return PhoneNumberInfo(
            id=text(data.get("id")) or phone_number_id,
            verified_name=text(data.get("verified_name")),
            display_phone_number=text(data.get("display_phone_number")),
            quality_rating=text(data.get("quality_rating")),
            throughput_level=(
                text(throughput.get("level")) if isinstance(throughput, dict) else None
            ),
            on_business_app=data.get("is_on_biz_app") is True,
        )

    def get_media(self, media_id: str) -> MediaInfo:
        data = self._request("GET", media_id)
        url = text(data.get("url"))
        if not url:  # a GET changes nothing: safe to ask again later
            raise WhatsAppError(None, "media answer without a URL", http_status=200)
        return MediaInfo(
            id=text(data.get("id")) or media_id,
            url=url,
            mime_type=text(data.get("mime_type")),
            sha256=text(data.get("sha256")),
            file_size=number(data.get("file_size")),
        )

    def download(self, url: str, max_bytes: int) -> bytes:
        """Download a media URL with the bearer token, refusing bodies over max_bytes."""
        try:
            with self._http.stream(
                "GET", url, headers=self._headers, timeout=self._timeout
            ) as response:
                if response.status_code != 200:
                    response.read()
                    raise _error_from(response)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise WhatsAppError(
                            131052, "Media file too large", http_status=200
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as error:
            raise WhatsAppError(
                None, f"network error: {type(error).__name__}"
            ) from error

    def list_templates(self, waba_id: str) -> list:
        """Every message template of the WABA, following the paging cursors.

        The items are Meta's, unchecked (templates.sync_templates refuses the
        malformed ones); a page that is no list of them raises WhatsAppError.
        """
        templates: list = []
        params: dict[str, Any] = {
            "fields": "id,name,language,category,status,components,"
            "parameter_format,rejected_reason",
            "limit": 100,
        }
        cursors: set[str] = set()
        for _ in range(MAX_TEMPLATE_PAGES):
            data = self._request("GET", f"{waba_id}/message_templates", params=params)
            page = data.get("data")
            if page is not None and not isinstance(page, list):
                raise WhatsAppError(
                    None, "template page without a list", http_status=200
                )
            templates += page or []
            after = next_cursor(data)
            if after is None:
                return templates
            if after in cursors:
                raise WhatsAppError(None, "template pages repeat", http_status=200)
            cursors.add(after)
            params = {**params, "after": after}
        raise WhatsAppError(None, "too many template pages", http_status=200)

    def upload_media(
        self, phone_number_id: str, data: bytes, mime_type: str, filename: str
    ) -> str:
        """POST /{phone-number-id}/media (multipart); return the media ID."""
        answer = self._request(
            "POST",
            f"{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        media_id = text(answer.get("id"))
        if not media_id:
            raise WhatsAppError(
                None, "upload answer without a media id", http_status=200
            )
        return media_id

    def mark_read(self, phone_number_id: str, wamid: str) -> None:
        """Blue ticks for this message and the contact's earlier ones."""
        self._request(
            "POST",
            f"{phone_number_id}/messages",
            json={
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": wamid,
            },
        )

    def send_message(self, phone_number_id: str, payload: dict) -> "Accepted":
        """POST /{phone-number-id}/messages; return what Meta accepted."""
        data = self._request("POST", f"{phone_number_id}/messages", json=payload)
        items = data.get("messages")
        item = items[0] if isinstance(items, list) and items else None
        wamid = text(item.get("id")) if isinstance(item, dict) else None
        if not wamid:
            # A 2xx: Meta may well have taken the message (see maybe_received).
            raise WhatsAppError(
                None,
                "send answer without a message id",
                http_status=200,
                maybe_received=True,
            )
        return Accepted(wamid, text(item.get("message_status")))

    def _request(self, method: str, path: str, **kwargs: Any) -> dict:
        try:
            response = self._http.request(
                method,
                self._base_url + path.lstrip("/"),
                headers=self._headers,
                timeout=self._timeout,
                **kwargs,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            # Not connected: the request never left, so retrying is safe.
            raise WhatsAppError(
                None, f"network error: {type(error).__name__}"
            ) from error
        except httpx.HTTPError as error:
            raise WhatsAppError(
                None,
                f"network error: {type(error).__name__}",
                maybe_received=method != "GET",
            ) from error
        if not response.is_success:  # a redirect is no answer of Meta's either
            raise _error_from(response)
        data = json_object(response.content)
        if data is None:
            # A 2xx that is no JSON object: whatever it was, the request got
            # through, so a POST may have done its work.
            raise WhatsAppError(
                None,
                "unreadable answer from the Graph API",
                http_status=response.status_code,
                maybe_received=method != "GET",
            )
        return data


def _error_from(response: httpx.Response) -> WhatsAppError:
    """Map Meta's error body ({"error": {code, message, error_data.details}}).

    Anything else (a proxy's page, another shape) is an error without a code:
    temporary, unless the status says the token was refused.
    """
    error = (json_object(response.content) or {}).get("error")
    error = error if isinstance(error, dict) else {}
    code = number(error.get("code"))
    if code is None and response.status_code == 401:
        code = 0  # the token was refused, whatever the body says
    error_data = error.get("error_data")
    details = text(error_data.get("details")) if isinstance(error_data, dict) else None
    message = text(error.get("message")) or f"HTTP {response.status_code}"
    return WhatsAppError(code, message, details, response.status_code)


def json_object(body: bytes) -> dict | None:
    """The body as a JSON object, or None if it is none (or nested too deeply)."""
    try:
        data = load_json(body)
    except ValueError:  # also JsonTooDeep, and bytes that are no UTF-8
        return None
    return data if isinstance(data, dict) else None


def text(value: object) -> str | None:
    """A string field of an answer; anything else (a number, an object) is None."""
    return value if isinstance(value, str) and value else None


def number(value: object) -> int | None:
    """A numeric field of an answer (not a bool, which Python counts as one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def next_cursor(page: dict) -> str | None:
    """The `after` cursor of a page that has a next one."""
    paging = page.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    return text(cursors.get("after")) if isinstance(cursors, dict) else None
