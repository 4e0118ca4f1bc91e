"""Emulator settings: the demo number and templates, tunable behaviour."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

DEMO_NUMBER = {
    "phone_number_id": "106540352242922",
    "waba_id": "102290129340398",
    "display_phone_number": "+49 30 12345678",
    "verified_name": "LeadGate Demo",
    "quality_rating": "GREEN",
    "access_token": "emulator-access-token",
    "app_secret": "emulator-app-secret",
    "verify_token": "emulator-verify-token",
    # Empty: webhooks are recorded but not sent until LeadGate's URL is set.
    "webhook_url": "",
}

DEFAULT_TEMPLATES = [
    {
        "name": "hello_world",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
            {
                "type": "BODY",
                "text": "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.",
            },
            {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
        ],
    },
    {
        "name": "termin_erinnerung",
        "language": "de",
        "category": "UTILITY",
        "components": [
            {
                "type": "BODY",
                "text": "Hallo {{1}}, wir erinnern Sie an Ihren Termin am {{2}}.",
                "example": {"body_text": [["Erika", "12. Mai, 10:00 Uhr"]]},
            }
        ],
    },
    {
        "name": "angebot_nachfassen",
        "language": "de",
        "category": "MARKETING",
        "components": [
            {
                "type": "BODY",
                "text": "Hallo {{1}}, haben Sie noch Fragen zu unserem Angebot?",
                "example": {"body_text": [["Erika"]]},
            },
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "QUICK_REPLY", "text": "Ja, bitte anrufen"},
                    {"type": "QUICK_REPLY", "text": "Nein, danke"},
                ],
            },
        ],
    },
    {
        "name": "anfrage_bestaetigung",
        "language": "de",
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "components": [
            {
                "type": "BODY",
                "text": "Hallo {{vorname}}, danke für Ihre Anfrage. Wir melden uns bald.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "vorname", "example": "Erika"}
                    ]
                },
            }
        ],
    },
]


NUMBERS = {
    "throughput_mps": float,
    "pair_rate_interval": float,
    "pair_rate_burst": int,
    "service_window_seconds": float,
    "template_approval_delay": float,
    "media_url_ttl": float,
    "webhook_timeout": float,
    "webhook_concurrency": int,
    "phone_poll_seconds": float,
    "marketing_limit_share": float,
    "delivered_share": float,
    "read_share": float,
    "reply_share": float,
    "reply_delay": float,
}
# Lists of names, recipients or texts, given as JSON arrays.
STRING_LISTS = ("held_templates", "marketing_limited_recipients", "reply_texts")
# Shares of recipients: a value outside 0..1 would silently mean "all" or "none".
SHARES = ("marketing_limit_share", "delivered_share", "read_share", "reply_share")
# Neutral on purpose: a STOP-like default would opt every replying contact out.
DEFAULT_REPLY_TEXTS = (
    "Ja, gerne!",
    "Wann haben Sie Zeit?",
    "Danke, ich schaue es mir an.",
    "Können Sie mich bitte anrufen?",
)


@dataclass
class Settings:
    """Behaviour knobs. Config and admin keys are these names in upper case."""

    throughput_mps: float = 80
    pair_rate_interval: float = 6.0
    pair_rate_burst: int = 45
    service_window_seconds: float = 24 * 60 * 60
    # Seconds after the send request; None skips that status (e.g. no "read").
    status_delays: dict[str, float | None] = field(
        default_factory=lambda: {"sent": 0.2, "delivered": 0.5, "read": 1.5}
    )
    # None keeps new templates PENDING until the admin API decides.
    template_approval_delay: float | None = 2.0
    media_url_ttl: float = 300
    # Meta retries at once, then less and less often; the list bounds the retries.
    webhook_retry_delays: list[float] = field(
        default_factory=lambda: [0.0, 1.0, 5.0, 30.0, 120.0]
    )
    webhook_timeout: float = 10.0
    webhook_concurrency: int = 1
    phone_poll_seconds: float = 2.0
    # Template pacing: sends of these template names are answered with
    # message_status "held_for_quality_assessment" (their statuses follow as usual).
    held_templates: list[str] = field(default_factory=list)
    # Meta's per-user marketing limit: marketing templates to these recipients
    # (wa_id or BSUID), or to this share of all recipients, fail with 131049.
    marketing_limited_recipients: list[str] = field(default_factory=list)
    marketing_limit_share: float = 0.0
    # How simulated recipients behave (recipients.py): the share of accepted
    # sends that reach a phone (the rest stay "sent"), of those that are read,
    # and of read ones answered reply_delay seconds after the read.
    delivered_share: float = 1.0
    read_share: float = 1.0
    reply_share: float = 0.0
    reply_delay: float = 2.0
    reply_texts: list[str] = field(default_factory=lambda: list(DEFAULT_REPLY_TEXTS))

    @classmethod
    def from_config(cls, config: Mapping) -> "Settings":
        settings = cls()
        names = {f.name.upper() for f in fields(cls)}
        settings.update({key: value for key, value in config.items() if key in names})
        return settings

    def update(self, changes: Mapping) -> None:
        """Apply config-style keys; an unknown key or bad value raises ValueError."""
        names = {f.name for f in fields(self)}
        coerced = {}
        for key, value in changes.items():
            name = key.lower()
            if name not in names:
                raise ValueError(f"unknown setting {key!r}")
            coerced[name] = self._coerce(name, value)
        # Only after every value passed: a rejected change leaves nothing half set.
        for name, value in coerced.items():
            setattr(self, name, value)

    def _coerce(self, name: str, value):
        # Admin JSON may carry "5" for 5; bad values raise ValueError/TypeError.
        if name == "status_delays":
            delays = {k: None if v is None else float(v) for k, v in value.items()}
            return {**self.status_delays, **delays}
        if name == "webhook_retry_delays":
            return [float(delay) for delay in value]
        if name in STRING_LISTS:
            if not isinstance(value, list):
                raise TypeError(f"{name} must be a list")
            if name == "reply_texts" and not value:
                raise ValueError("reply_texts needs at least one text")
            return [str(item) for item in value]
        if name in NUMBERS and value is not None:
            return _checked(name, NUMBERS[name](value))
        return value

    def to_dict(self) -> dict:
        return {key.upper(): value for key, value in asdict(self).items()}


def _checked(name: str, number: float) -> float:
    # `not 0 <= x <= 1` also rejects NaN, which every comparison fails.
    if name in SHARES and not 0.0 <= number <= 1.0:
        raise ValueError(f"{name.upper()} must be between 0 and 1")
    if name == "reply_delay" and not number >= 0.0:
        raise ValueError("REPLY_DELAY must be 0 or more seconds")
    return number
