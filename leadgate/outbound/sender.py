"""The HTTP side of delivery: Cloud API payloads, sent concurrently at their slot times.

No database here. delivery.py claims a batch, hands over one SendJob per message
and records the results (and, through a callback, which requests are about to
leave: send_all); this module only talks to the Graph API. A batch goes out on
a thread of its own (start_all) while the job claims the next one. A batch's
requests run on a small thread pool over the shared connection pool, each one
waiting for its own slot in the channel's schedule, so a worker keeps a number's
full rate although every single request waits for Meta's answer.

Meta's pace answers (130429 throughput reached, 131057 the number being upgraded)
go to the batch's Meter at once, and the batch's requests not yet out stay home
(`skipped`): they would only meet the same full window.
"""

import copy
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .. import metrics
from ..files import clean_filename
from ..models import Message
from ..whatsapp.client import WhatsAppClient, WhatsAppError
from ..whatsapp.payloads.limits import MEDIA_ID, WAMID, error_code
from .throughput import PACE_CODES, Meter

SEND_THREADS = 16  # 80 messages/s × up to 200 ms per answer
BATCHES_IN_FLIGHT = 2  # a job's batch being sent and the next one (start_all)
# A batch lets its requests go a wave at a time (send_all): a tenth of a second
# of requests (8 at 80/s, 100 at 1,000/s), recorded 30 ms before the first leaves.
# Smaller waves leave less in doubt when a worker dies, and cost a commit each.
WAVE_SECONDS = 0.1
WAVE_LEAD = 0.03
CALLBACK_PREFIX = "lg-"
MEDIA_TYPES = ("image", "audio", "video", "document")


@dataclass(frozen=True)
class Upload:
    """Our stored copy, uploaded before the send (its media ID serves retries too)."""

    path: Path
    mime_type: str
    filename: str


@dataclass(frozen=True)
class SendJob:
    message_id: int
    conversation_id: int
    attempt_id: int
    payload: dict
    starts_at: float  # time.monotonic() of the message's slot
    upload: Upload | None = None


@dataclass(frozen=True)
class SendResult:
    wamid: str | None = None
    message_status: str | None = None  # e.g. held_for_quality_assessment
    media_id: str | None = None  # a new upload, whether or not the send worked
    error: WhatsAppError | None = None
    skipped: bool = False  # never sent: the number's pace said stop first
    wait: float = 0.0  # after 130429/131057: seconds until the pace allows a send


def payload(message: Message, wa_id: str | None, bsuid: str | None) -> dict:
    """The Cloud API body; our message id rides along to name it in status webhooks."""
    body: dict = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": message.type,
        "biz_opaque_callback_data": f"{CALLBACK_PREFIX}{message.id}",
    }
    if wa_id:
        body["to"] = "+" + wa_id
    else:
        # A username-only contact: Meta's `recipient` field takes the BSUID
        # (`to` would win if both were given, and it needs a phone number).
        body["recipient"] = bsuid
    if message.type == "text":
        body["text"] = {"body": message.text, "preview_url": False}
    elif message.type == "template":
        body["template"] = copy.deepcopy(message.details["template"])
    elif message.type in MEDIA_TYPES:
        media: dict = {"id": None}
        if message.caption and message.type != "audio":
            media["caption"] = message.caption
        if message.type == "document" and clean_filename(message.media_filename):
            media["filename"] = clean_filename(message.media_filename)
        body[message.type] = media
    elif message.type == "reaction":
        reaction = message.details["reaction"]
        body["reaction"] = {"message_id": reaction["to"], "emoji": reaction["emoji"]}
    if message.reply_to_wamid:
        body["context"] = {"message_id": message.reply_to_wamid}
    if message.media_id:  # uploaded by an earlier attempt
        with_media_id(body, message.media_id)
    return body


def with_media_id(body: dict, media_id: str) -> None:
    """Put the uploaded file's ID where the body expects it (media or template header)."""
    if body["type"] != "template":
        body[body["type"]]["id"] = media_id
        return
    for component in body["template"]["components"]:
        if component["type"] == "header":
            parameter = component["parameters"][0]
            parameter[parameter["type"]]["id"] = media_id


class Gate:
    """Keeps a job's requests at least `spacing` apart when they actually leave.

    Slots are planned 1/rate apart, but a process that gets no CPU for a moment
    wakes with several slots past due; sent at once, they would bunch into one
    of Meta's seconds. Past-due requests leave one spacing after another instead.
    One gate serves all batches of a job: two are out at a time (start_all), and
    the late end of one must not bunch with the start of the next.
    """

    def __init__(self, spacing: float = 0.0) -> None:
        self.spacing = spacing  # the latest batch's interval (its learned pace)
        self._next = 0.0
        self._lock = threading.Lock()

    @property
    def free_at(self) -> float:
        """When the next request may leave at the earliest (time.monotonic())."""
        return self._next

    def wait_for(self, starts_at: float) -> None:
        """Wait for the slot, and for `spacing` after the request before."""
        time.sleep(max(0.0, starts_at - time.monotonic()))
        with self._lock:
            leave = max(time.monotonic(), self._next)
            self._next = leave + self.spacing
        time.sleep(max(0.0, leave - time.monotonic()))


class Halt:
    """A batch's stop: Meta refused one request for the number's pace, so the
    batch's requests not yet out stay home (they would meet the same window)."""

    def __init__(self) -> None:
        self.halted = False


def send_all(
    client: WhatsAppClient,
    phone_number_id: str,
    jobs: list[SendJob],
    gate: Gate,
    meter: Meter,
    let_go: Callable[[list[int]], set[int]],
) -> list[SendResult]:
    """Send every job at its slot, through the job's gate; results in order.

    `let_go(attempt ids)` records (and commits) that these requests are about to
    leave and returns the ids it recorded; it is called for a wave of jobs at a
    time (WAVE_SECONDS of slots), just before the wave's first slot. A job it does
    not return is not sent (the sweeper gave its claim back meanwhile). So a
    worker killed mid-batch leaves at most one wave in doubt: the later waves'
    attempts have no record of leaving, and are sent again (recovery.py).
    """
    halt = Halt()

    def one(job: SendJob) -> SendResult:
        return paced(meter, halt, send_one(client, phone_number_id, job, gate, halt))

    results: dict[int, SendResult | Future] = {}
    for leaves, wave in waves(jobs, gate):
        time.sleep(max(0.0, leaves - WAVE_LEAD - time.monotonic()))
        allowed = set() if halt.halted else let_go([job.attempt_id for job in wave])
        for job in wave:
            if job.attempt_id not in allowed:
                results[job.attempt_id] = SendResult(skipped=True)
            elif len(jobs) == 1:  # the usual single answer: no thread hop
                results[job.attempt_id] = one(job)
            else:
                results[job.attempt_id] = _pool().submit(one, job)
    return [
        result.result() if isinstance(result, Future) else result
        for result in (results[job.attempt_id] for job in jobs)
    ]


def start_all(
    client: WhatsAppClient,
    phone_number_id: str,
    jobs: list[SendJob],
    gate: Gate,
    meter: Meter,
    let_go: Callable[[list[int]], set[int]],
) -> "Future[list[SendResult]]":
    """send_all on a thread of its own, so the job can prepare the next batch.

    The delivery job keeps a second batch reserved and claimed while this one is
    out: its slots follow this batch's without the pause of recording answers
    and claiming anew (about a fifth of a batch's time at 80/s). `let_go` must
    therefore work from another thread (its own connection). A single message
    (a chat reply) is sent at once, without the thread hop.
    """
    if len(jobs) == 1:
        done: Future[list[SendResult]] = Future()
        done.set_result(send_all(client, phone_number_id, jobs, gate, meter, let_go))
        return done
    return _batches().submit(
        send_all, client, phone_number_id, jobs, gate, meter, let_go
    )


def waves(jobs: list[SendJob], gate: Gate) -> list[tuple[float, list[SendJob]]]:
    """(when its first request leaves, jobs): groups leaving within WAVE_SECONDS.

    By when they will leave, not by their slots: slots already past (a busy
    process, a backlog) all start at once, but the Gate lets them go `spacing`
    apart (after the requests already waiting at it), so a wave still holds
    WAVE_SECONDS of requests.
    """
    found: list[tuple[float, list[SendJob]]] = []
    spacing = gate.spacing
    leaves = max(time.monotonic(), gate.free_at) - spacing
    for job in sorted(jobs, key=lambda job: job.starts_at):
        leaves = max(job.starts_at, leaves + spacing)
        if found and leaves - found[-1][0] < WAVE_SECONDS:
            found[-1][1].append(job)
        else:
            found.append((leaves, [job]))
    return found


def paced(meter: Meter, halt: Halt, result: SendResult) -> SendResult:
    """Tell the number's pace how Meta answered; stop the batch on a pace error."""
    if result.wamid is not None:
        meter.accepted()
    elif result.error is not None and result.error.code in PACE_CODES:
        halt.halted = True
        return SendResult(
            media_id=result.media_id,
            error=result.error,
            wait=meter.refused(result.error.code),
        )
    return result


def send_one(
    client: WhatsAppClient, phone_number_id: str, job: SendJob, gate: Gate, halt: Halt
) -> SendResult:
    gate.wait_for(job.starts_at)
    if halt.halted:
        return SendResult(skipped=True)
    media_id = None
    try:
        if job.upload is not None:
            media_id = upload(client, phone_number_id, job.upload)
            with_media_id(job.payload, media_id)
        with metrics.SEND_SECONDS.time():
            accepted = client.send_message(phone_number_id, job.payload)
        if len(accepted.wamid) > WAMID:
            # Never shortened (payloads/limits.py): an id we cannot keep is as good
            # as no answer, and a status webhook cannot name it either.
            raise WhatsAppError(
                None, "send answer with an over-long message id", maybe_received=True
            )
        return SendResult(
            wamid=accepted.wamid,
            message_status=accepted.message_status,
            media_id=media_id,
        )
    except WhatsAppError as error:
        return SendResult(media_id=media_id, error=storable(error))


def storable(error: WhatsAppError) -> WhatsAppError:
    """Meta's error as delivery stores it: a code an Integer column holds, text.

    Its title (details or message) is cut to the column in answers.handle_error.
    """
    error.code = error_code(error.code)  # none we can store counts as unknown
    error.message = error.message if isinstance(error.message, str) else ""
    error.details = error.details if isinstance(error.details, str) else None
    return error


def upload(client: WhatsAppClient, phone_number_id: str, stored: Upload) -> str:
    try:
        data = stored.path.read_bytes()
    except OSError as error:  # e.g. a storage mount that is briefly away: retry
        raise WhatsAppError(
            None, f"stored copy unreadable: {type(error).__name__}"
        ) from error
    try:
        media_id = client.upload_media(
            phone_number_id, data, stored.mime_type, stored.filename
        )
    except WhatsAppError as error:
        error.maybe_received = False  # a second upload sends nothing to anyone
        raise
    if len(media_id) > MEDIA_ID:  # an id is never shortened: upload again later
        raise WhatsAppError(None, "upload answer with an over-long media id")
    return media_id


_executors: dict[str, tuple[int, ThreadPoolExecutor]] = {}
_executor_lock = threading.Lock()


def _executor(name: str, threads: int) -> ThreadPoolExecutor:
    """One pool of each kind per process (threads do not survive a fork)."""
    with _executor_lock:
        pid, pool = _executors.get(name, (None, None))
        if pool is None or pid != os.getpid():
            pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
            _executors[name] = (os.getpid(), pool)
        return pool


def _pool() -> ThreadPoolExecutor:
    """The requests' threads."""
    return _executor("send", SEND_THREADS)


def _batches() -> ThreadPoolExecutor:
    """The batches' wave loops (start_all): their own threads, so a batch waiting
    for its requests never takes a thread those requests need."""
    return _executor("batch", BATCHES_IN_FLIGHT)
