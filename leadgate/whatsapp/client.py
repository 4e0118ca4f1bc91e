"""WhatsAppClient: the only code that calls Meta's Graph API (or the emulator)."""

import os
import threading
from dataclasses import dataclass
from typing import Any

import httpx

# Meta's temporary errors: worth another try later. Everything else is permanent.
RETRYABLE_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057}
TOKEN_ERROR_CODES = {0, 190}


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

    def __init__(self, base_url: str, token: str, timeout: float = 10):
        self._http = shared_http()
        self._base_url = base_url.rstrip("/") + "/"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = timeout

    def close(self) -> None:
        pass  # the pool is shared; nothing of this client's own to release

    def __enter__(self) -> "WhatsAppClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def get_phone_number(self, phone_number_id: str) -> PhoneNumberInfo:
        fields = "verified_name,display_phone_number,quality_rating"
        data = self._request("GET", phone_number_id, params={"fields": fields})
        return PhoneNumberInfo(
            id=str(data.get("id", phone_number_id)),
            verified_name=data.get("verified_name"),
            display_phone_number=data.get("display_phone_number"),
            quality_rating=data.get("quality_rating"),
        )

    def get_media(self, media_id: str) -> MediaInfo:
        data = self._request("GET", media_id)
        return MediaInfo(
            id=str(data.get("id", media_id)),
            url=data["url"],
            mime_type=data.get("mime_type"),
            sha256=data.get("sha256"),
            file_size=data.get("file_size"),
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

    def list_templates(self, waba_id: str) -> list[dict]:
        """Every message template of the WABA, following the paging cursors."""
        templates: list[dict] = []
        params = {
            "fields": "id,name,language,category,status,components,"
            "parameter_format,rejected_reason",
            "limit": 100,
        }
        while True:
            data = self._request("GET", f"{waba_id}/message_templates", params=params)
            templates += data.get("data") or []
            paging = data.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return templates
            params = {**params, "after": after}

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
        return str(answer["id"])

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
        try:
            item = data["messages"][0]
            return Accepted(str(item["id"]), item.get("message_status"))
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise WhatsAppError(
                None, "send answer without a message id", maybe_received=True
            ) from error

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
        if response.status_code >= 400:
            raise _error_from(response)
        try:
            return response.json()
        except ValueError as error:
            raise WhatsAppError(None, "invalid JSON from the Graph API") from error


def _error_from(response: httpx.Response) -> WhatsAppError:
    """Map Meta's error body ({"error": {code, message, error_data.details}})."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    if code is None and response.status_code < 500 and response.status_code != 429:
        code = 0 if response.status_code == 401 else None
    details = (error.get("error_data") or {}).get("details")
    message = error.get("message") or f"HTTP {response.status_code}"
    return WhatsAppError(code, message, details, response.status_code)
