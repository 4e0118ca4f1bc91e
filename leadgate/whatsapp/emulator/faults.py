"""Fault injection: the next N Graph responses or webhooks misbehave on purpose."""

import threading
import uuid
from dataclasses import asdict, dataclass, field, fields

FAULT_KINDS = (
    "graph_error",  # answer with an HTTP error (status, Meta code, or raw body)
    "graph_delay",  # sleep before answering (client timeouts)
    "webhook_delay",  # deliver later than usual
    "webhook_duplicate",  # deliver `copies` times
    "webhook_out_of_order",  # status webhooks of the next sent message: read first
    "webhook_malformed",  # truncated JSON (or raw_body), correctly signed
    "webhook_bad_signature",  # signed with the wrong secret
)


@dataclass
class Fault:
    kind: str
    count: int = 1
    status: int | None = None
    code: int | None = None
    message: str | None = None
    details: str | None = None
    raw_body: str | None = None
    delay: float = 0.0
    copies: int = 2
    match: str = ""  # only requests whose path contains this
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


FAULT_FIELDS = frozenset(f.name for f in fields(Fault)) - {"id"}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, data: dict) -> Fault:
        """Arm a fault; unknown kinds or fields raise ValueError."""
        if data.get("kind") not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        unknown = set(data) - FAULT_FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        fault = Fault(**data)
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, kind: str, path: str = "") -> Fault | None:
        """Use up one occurrence of the oldest matching fault of this kind."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault.match in path:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def active(self) -> list[dict]:
        with self._lock:
            return [asdict(fault) for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
