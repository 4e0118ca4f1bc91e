"""What a rule does ("dann"): each action, its outcome as a key, and dry runs.

Every action goes through the function the inbox itself uses (inbox/team.py's
change_* steps, outbound/service.py's stage and template_fields, outbound/
rules.py's refusal), without committing: a rules job commits a whole batch
once (engine.py). Timeline events of a rule's actions carry its id
(`rule_id`), so the thread names "Automation" as who did it.

Each action returns (outcome, trigger it causes or None). An outcome is a key
(wording.AUTOMATION_OUTCOME): "done", "unchanged", "missing" (its label, team,
person or template is gone), a refusal of the sending rules ("window_closed",
"objected" …), or "queued" for an automatic assignment decided after the
commit (engine.py fills in what it became). With `dry` set nothing is changed:
the outcome is what would have happened (dryrun.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import select

from ..extensions import db
from ..inbox.team import (
    MAX_NOTE_LENGTH,
    TeamError,
    change_assignee,
    change_label,
    change_snooze,
    change_state,
    change_team,
    stage_note,
)
from ..models import (
    ContactField,
    Conversation,
    Label,
    Membership,
    MessageTemplate,
    Rule,
    Team,
)
from ..models.rules import ASSIGNED, STATE_CHANGED
from ..outbound import placeholders
from ..outbound.rules import SendRefused, refusal_key, template_refusal_key
from ..outbound.service import MAX_TEXT_LENGTH, stage, template_fields
from ..outbound.templates import header_format
from .catalog import MAX_SNOOZE_HOURS, SETTABLE_STATES
from .facts import Facts

DONE, UNCHANGED, MISSING, QUEUED, REFUSED = (
    "done",
    "unchanged",
    "missing",
    "queued",
    "refused",
)
Result = tuple[str, str | None]
# Template headers a rule cannot fill: a file or a place is the agent's to give.
HEADER_FILES = ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION")


class Directory:
    """A workspace's rows that actions name by id, each kind read once per batch."""

    def __init__(self, workspace_id: int):
        self.workspace_id = workspace_id

    def rows(self, model, *where) -> list:
        return list(
            db.session.scalars(
                select(model).where(model.workspace_id == self.workspace_id, *where)
            )
        )

    @cached_property
    def labels(self) -> dict[int, Label]:
        return {label.id: label for label in self.rows(Label)}

    @cached_property
    def teams(self) -> dict[int, Team]:
        return {team.id: team for team in self.rows(Team)}

    @cached_property
    def members(self) -> set[int]:
        return {m.user_id for m in self.rows(Membership)}

    @cached_property
    def templates(self) -> dict[int, MessageTemplate]:
        approved = MessageTemplate.status == "APPROVED"
        return {t.id: t for t in self.rows(MessageTemplate, approved)}

    @cached_property
    def fields(self) -> dict[str, ContactField]:
        return {f.key: f for f in self.rows(ContactField)}


@dataclass
class Batch:
    """One round of firings: what the actions need, and what is left for after the commit."""

    facts: Facts
    now: datetime
    dry: bool = False
    directories: dict[int, Directory] = field(default_factory=dict)
    channels: set[int] = field(default_factory=set)  # deliveries to start
    # Conversation ids for automatic assignment once committed (routing/).
    assign_later: set[int] = field(default_factory=set)

    def directory(self, workspace_id: int) -> Directory:
        if workspace_id not in self.directories:
            self.directories[workspace_id] = Directory(workspace_id)
        return self.directories[workspace_id]


def assign_team(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    team = b.directory(c.workspace_id).teams.get(a.get("team_id"))  # type: ignore[arg-type]
    if team is None:
        return MISSING, None
    if c.team_id == team.id:
        return UNCHANGED, None
    if not b.dry:
        change_team(c, None, team.id, rule_id=rule.id)
        if c.state == "open" and c.assignee_id is None:
            b.assign_later.add(c.id)  # the new team's automatic assignment
    return DONE, None


def assign_agent(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    user_id = a.get("user_id")
    if user_id not in b.directory(c.workspace_id).members:
        return MISSING, None
    if c.assignee_id == user_id:
        return UNCHANGED, None
    if not b.dry:
        change_assignee(c, None, user_id, rule_id=rule.id)
    return DONE, ASSIGNED


def assign_auto(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    team = b.directory(c.workspace_id).teams.get(c.team_id)  # type: ignore[arg-type]
    if team is None or team.assignment_mode == "off":
        return "assign_off", None
    if c.assignee_id is not None:
        return UNCHANGED, None
    if c.state != "open":
        return REFUSED, None
    if not b.dry:
        b.assign_later.add(c.id)
    return QUEUED, None


def label_action(on: bool) -> Callable[[Batch, Rule, Conversation, dict], Result]:
    def act(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
        label = b.directory(c.workspace_id).labels.get(a.get("label_id"))  # type: ignore[arg-type]
        if label is None:
            return MISSING, None
        if (label.id in b.facts.labels[c.id]) == on:
            return UNCHANGED, None
        if not b.dry:
            change_label(c, None, label, on, has=not on, rule_id=rule.id)
        (b.facts.labels[c.id].add if on else b.facts.labels[c.id].discard)(label.id)
        return DONE, None

    return act


def set_state(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    state = a.get("state")
    if state not in SETTABLE_STATES:
        return REFUSED, None
    if c.state == state:
        return UNCHANGED, None
    if not b.dry:
        change_state(c, None, state, rule_id=rule.id)
    return DONE, STATE_CHANGED


def snooze(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    hours = a.get("hours")
    if not isinstance(hours, int) or not 1 <= hours <= MAX_SNOOZE_HOURS:
        return REFUSED, None
    was = c.state
    if not b.dry:
        try:
            change_snooze(c, None, b.now + timedelta(hours=hours), rule_id=rule.id)
        except TeamError:
            return REFUSED, None
    return DONE, STATE_CHANGED if was != "snoozed" else None


def send_text(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    text = (a.get("text") or "").strip()
    if not text or len(text) > MAX_TEXT_LENGTH:
        return REFUSED, None
    refused = refusal_key(c.channel, c.contact, free_form=True)
    if refused:
        return refused, None
    if not b.dry:
        stage(c, None, type="text", text=text, details={"rule_id": rule.id})
        b.channels.add(c.channel_id)
    return DONE, None


def send_template(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    directory = b.directory(c.workspace_id)
    template = directory.templates.get(a.get("template_id"))  # type: ignore[arg-type]
    if template is None:
        return MISSING, None
    refused = refusal_key(
        c.channel, c.contact, free_form=False
    ) or template_refusal_key(c.channel, c.contact, template)
    if refused:
        return refused, None
    found = placeholders.placeholders(template, directory.fields.values())
    values = placeholders.prefill(found, c.contact)
    if len(values) < len(found) or header_format(template) in HEADER_FILES:
        return "missing_values", None  # a rule has no one to type them in or attach
    if b.dry:
        return DONE, None
    try:
        fields = template_fields(c, template, values)
    except SendRefused:
        return REFUSED, None
    fields["details"] = {**fields["details"], "rule_id": rule.id}
    stage(c, None, **fields)
    b.channels.add(c.channel_id)
    return DONE, None


def add_note(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    text = (a.get("text") or "").strip()
    if not text or len(text) > MAX_NOTE_LENGTH:
        return REFUSED, None
    if not b.dry:
        stage_note(c, None, text, rule_id=rule.id)
    return DONE, None


def set_field(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    key, value = a.get("field_key"), str(a.get("value") or "").strip()
    if key not in b.directory(c.workspace_id).fields:
        return MISSING, None
    attributes = c.contact.attributes or {}
    if str(attributes.get(key) or "") == value:
        return UNCHANGED, None
    if not b.dry:
        c.contact.attributes = {**attributes, key: value}  # a new dict: JSON tracks it
    return DONE, None


def auto_replies_off(b: Batch, rule: Rule, c: Conversation, a: dict) -> Result:
    if c.auto_replies_off:
        return UNCHANGED, None
    if not b.dry:
        c.auto_replies_off = True
    return DONE, None


ACTIONS: dict[str, Callable[[Batch, Rule, Conversation, dict], Result]] = {
    "assign_team": assign_team,
    "assign_agent": assign_agent,
    "assign_auto": assign_auto,
    "add_label": label_action(True),
    "remove_label": label_action(False),
    "set_state": set_state,
    "snooze": snooze,
    "send_text": send_text,
    "send_template": send_template,
    "add_note": add_note,
    "set_field": set_field,
    "auto_replies_off": auto_replies_off,
}


def perform(b: Batch, rule: Rule, c: Conversation, action: dict) -> Result:
    """One action; an unknown kind (from a newer version) is refused, not fatal."""
    act = ACTIONS.get(action.get("kind", ""))
    return act(b, rule, c, action) if act else (REFUSED, None)
