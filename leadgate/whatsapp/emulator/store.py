"""The in-memory, thread-safe state of the emulator."""

import itertools
import secrets
import threading

from .models import NUMBER_FIELDS, InboundMessage, Media, Number, SentMessage, Template


class Store:
    """Numbers, media, templates, messages and service windows behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._numbers: dict[str, Number] = {}
            self._media: dict[str, Media] = {}
            self._media_urls: dict[str, tuple[str, float]] = {}
            self._templates: dict[str, Template] = {}
            self._sent: dict[str, SentMessage] = {}
            self._inbound: dict[str, InboundMessage] = {}
            self._last_inbound: dict[tuple[str, str], float] = {}
            # The last message that came through a Click-to-WhatsApp ad (referral).
            self._entry_points: dict[tuple[str, str], float] = {}
            # Chats a person plays on the Kundenhandy page: no simulated recipient.
            self._manual: set[tuple[str, str]] = set()
            # One sequence for both directions keeps a conversation in order.
            self._order: dict[str, int] = {}
            self._sequence = itertools.count()

    # Numbers

    def upsert_number(self, data: dict) -> Number:
        """Register a number or update the given fields of a known one."""
        unknown = set(data) - NUMBER_FIELDS
        if unknown:
            raise ValueError(f"unknown number fields: {', '.join(sorted(unknown))}")
        with self._lock:
            current = self._numbers.get(str(data.get("phone_number_id", "")))
            merged = {**(current.to_dict() if current else {}), **data}
            missing = {"phone_number_id", "waba_id", "access_token", "app_secret"}
            missing -= {key for key, value in merged.items() if value}
            if missing:
                raise ValueError(f"missing number fields: {', '.join(sorted(missing))}")
            number = Number(**merged)
            self._numbers[number.phone_number_id] = number
            return number

    def number(self, phone_number_id: str) -> Number | None:
        with self._lock:
            return self._numbers.get(phone_number_id)

    def numbers(self) -> list[Number]:
        with self._lock:
            return list(self._numbers.values())

    def numbers_in_waba(self, waba_id: str) -> list[Number]:
        with self._lock:
            return [n for n in self._numbers.values() if n.waba_id == waba_id]

    def token_known(self, token: str) -> bool:
        with self._lock:
            return any(n.access_token == token for n in self._numbers.values())

    def token_allows(self, token: str, number: Number) -> bool:
        """Tokens act for their whole WABA, like a system user's token."""
        return any(
            n.access_token == token for n in self.numbers_in_waba(number.waba_id)
        )

    # Service windows and messages

    def record_inbound(self, message: InboundMessage, contact_keys: list[str]) -> None:
        with self._lock:
            self._inbound[message.id] = message
            self._order[message.id] = next(self._sequence)
            for key in contact_keys:
                self._last_inbound[(message.phone_number_id, key)] = message.timestamp

    def open_window(
        self, phone_number_id: str, contact_keys: list[str], timestamp: float
    ) -> None:
        """A call from the contact opens the service window like a message."""
        with self._lock:
            for key in contact_keys:
                current = self._last_inbound.get((phone_number_id, key), 0.0)
                self._last_inbound[(phone_number_id, key)] = max(current, timestamp)

    def open_entry_point(
        self, phone_number_id: str, contact_keys: list[str], timestamp: float
    ) -> None:
        """A message from an ad opens a free entry point window (sending.py)."""
        with self._lock:
            for key in contact_keys:
                self._entry_points[(phone_number_id, key)] = timestamp

    def entry_point_at(self, phone_number_id: str, contact: str) -> float | None:
        with self._lock:
            return self._entry_points.get((phone_number_id, contact))

    def last_inbound_at(self, phone_number_id: str, contact: str) -> float | None:
        with self._lock:
            return self._last_inbound.get((phone_number_id, contact))

    def drive_manually(self, phone_number_id: str, contact: str) -> None:
        with self._lock:
            self._manual.add((phone_number_id, contact))

    def driven_manually(self, phone_number_id: str, contact: str) -> bool:
        with self._lock:
            return (phone_number_id, contact) in self._manual

    def inbound_messages(
        self, phone_number_id: str | None = None
    ) -> list[InboundMessage]:
        with self._lock:
            return [
                m
                for m in self._inbound.values()
                if phone_number_id in (None, m.phone_number_id)
            ]

    def mark_read(self, phone_number_id: str, message_id: str) -> bool:
        """Mark a received message and the contact's earlier ones as read."""
        with self._lock:
            target = self._inbound.get(message_id)
            if target is None or target.phone_number_id != phone_number_id:
                return False
            for message in self._inbound.values():
                same_chat = (message.phone_number_id, message.contact) == (
                    target.phone_number_id,
                    target.contact,
                )
                if same_chat and self._order[message.id] <= self._order[target.id]:
                    message.read = True
            return True

    def add_sent(self, message: SentMessage) -> None:
        with self._lock:
            self._sent[message.id] = message
            self._order[message.id] = next(self._sequence)

    def sent_message(self, message_id: str) -> SentMessage | None:
        with self._lock:
            return self._sent.get(message_id)

    def sent_messages(self) -> list[SentMessage]:
        with self._lock:
            return list(self._sent.values())

    def add_status(self, message_id: str, status: str) -> None:
        with self._lock:
            if message_id in self._sent:
                self._sent[message_id].statuses.append(status)

    def conversation(
        self, phone_number_id: str, contact: str
    ) -> list[SentMessage | InboundMessage]:
        """Both directions of one chat, oldest first."""
        with self._lock:
            sent = [
                m
                for m in self._sent.values()
                if (m.phone_number_id, m.recipient) == (phone_number_id, contact)
            ]
            received = [
                m
                for m in self._inbound.values()
                if (m.phone_number_id, m.contact) == (phone_number_id, contact)
            ]
            return sorted(sent + received, key=lambda m: self._order[m.id])

    # Media

    def add_media(self, media: Media) -> Media:
        with self._lock:
            self._media[media.id] = media
            return media

    def media(self, media_id: str) -> Media | None:
        with self._lock:
            return self._media.get(media_id)

    def delete_media(self, media_id: str) -> None:
        with self._lock:
            self._media.pop(media_id, None)

    def issue_media_url(self, media_id: str, expires_at: float) -> str:
        """Return a fresh URL token; each media lookup gets its own, like Meta."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._media_urls[token] = (media_id, expires_at)
        return token

    def media_for_url(self, media_id: str, token: str, now: float) -> Media | None:
        with self._lock:
            issued = self._media_urls.get(token)
            if issued is None or issued[0] != media_id or issued[1] < now:
                return None
            return self._media.get(media_id)

    # Templates

    def add_template(self, template: Template) -> Template:
        with self._lock:
            self._templates[template.id] = template
            return template

    def template(self, template_id: str) -> Template | None:
        with self._lock:
            return self._templates.get(template_id)

    def templates_of(self, waba_id: str) -> list[Template]:
        with self._lock:
            return [t for t in self._templates.values() if t.waba_id == waba_id]

    def find_template(self, waba_id: str, name: str, language: str) -> Template | None:
        with self._lock:
            for template in self._templates.values():
                if (template.waba_id, template.name, template.language) == (
                    waba_id,
                    name,
                    language,
                ):
                    return template
            return None

    def delete_templates(self, waba_id: str, name: str) -> int:
        """Remove every language of a template, as Meta's delete by name does."""
        with self._lock:
            doomed = [
                t.id
                for t in self._templates.values()
                if (t.waba_id, t.name) == (waba_id, name)
            ]
            for template_id in doomed:
                del self._templates[template_id]
            return len(doomed)

    def set_template_status(self, template_id: str, status: str) -> None:
        with self._lock:
            template = self._templates[template_id]
            if status == "PAUSED" and template.status != "PAUSED":
                template.pauses += 1  # Meta pauses for 3 h, then 6 h
            template.status = status
