"""The emulator's records: business numbers, media, templates, messages."""

import base64
import hashlib
import re
from dataclasses import asdict, dataclass, field, fields


def digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


@dataclass
class Number:
    """A business phone number with its WABA, token, app secret and webhook URL."""

    phone_number_id: str
    waba_id: str
    access_token: str
    app_secret: str
    display_phone_number: str = "+49 30 12345678"
    verified_name: str = "LeadGate Emulator"
    quality_rating: str = "GREEN"
    webhook_url: str = ""
    verify_token: str = ""
    # Meta's level (STANDARD 80/s, HIGH 1,000/s; None: derived from the limit)
    # and the limit itself (None: the level's, or the THROUGHPUT_MPS setting).
    throughput_mps: float | None = None
    throughput_level: str | None = None
    is_on_biz_app: bool = False  # coexistence: a fixed 20/s

    def metadata(self) -> dict:
        # Webhooks carry the display number as digits without "+".
        return {
            "display_phone_number": digits(self.display_phone_number),
            "phone_number_id": self.phone_number_id,
        }

    def to_dict(self) -> dict:
        return asdict(self)


NUMBER_FIELDS = frozenset(f.name for f in fields(Number))


@dataclass
class Media:
    id: str
    owner: str  # phone_number_id
    data: bytes
    mime_type: str
    created_at: float
    filename: str | None = None

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha256_base64(self) -> str:
        # Webhooks carry the hash base64-encoded; the media endpoint uses hex.
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass
class Template:
    id: str
    waba_id: str
    name: str
    language: str
    category: str
    components: list[dict]
    status: str = "APPROVED"
    parameter_format: str = "POSITIONAL"
    pauses: int = 0  # how often Meta paused it (the first for 3 h, then 6 h)

    def to_graph(self) -> dict:
        return {
            "name": self.name,
            "parameter_format": self.parameter_format,
            "components": self.components,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "id": self.id,
        }


@dataclass
class Pricing:
    category: str  # service, marketing, utility, authentication
    type: str  # regular, free_customer_service, free_entry_point
    billable: bool

    def to_webhook(self) -> dict:
        return {
            "billable": self.billable,
            "pricing_model": "PMP",
            "type": self.type,
            "category": self.category,
        }


@dataclass
class SentMessage:
    """A message the business sent through POST /{phone_number_id}/messages."""

    id: str
    phone_number_id: str
    recipient: str  # wa_id, or the BSUID for username-only contacts
    recipient_is_bsuid: bool
    type: str
    payload: dict
    timestamp: float
    version: str
    pricing: Pricing
    conversation_id: str
    statuses: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "phone_number_id": self.phone_number_id,
            "to": self.recipient,
            "type": self.type,
            "body": self.payload,
            "timestamp": int(self.timestamp),
            "version": self.version,
            "statuses": list(self.statuses),
        }


@dataclass
class InboundMessage:
    """A message a contact sent to the business (injected or from the phone page)."""

    id: str
    phone_number_id: str
    contact: str  # wa_id, or the BSUID for username-only senders
    name: str
    type: str
    item: dict  # the messages[] entry as delivered
    timestamp: float
    read: bool = False

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "phone_number_id": self.phone_number_id,
            "from": self.contact,
            "name": self.name,
            "type": self.type,
            "message": self.item,
            "timestamp": int(self.timestamp),
            "read": self.read,
        }
