"""The workspace's numbers, teams, labels, people, templates and fields a rule can
name: as choices for the form, and as names for telling a rule in words."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import SelectChoice  # type: ignore[attr-defined]  # wtforms 3.3; stubs lag

from .. import wording
from ..extensions import db
from ..models import (
    ContactField,
    Label,
    MessageTemplate,
    Team,
    channels_of,
    members_of,
)
from .catalog import ID_KEYS

CHOICE_WORDS = {
    "inside": _l("innerhalb der Geschäftszeiten"),
    "outside": _l("außerhalb der Geschäftszeiten"),
    "yes": _l("ja"),
    "no": _l("nein"),
}


def templates_of(workspace_id: int) -> list[MessageTemplate]:
    """Approved templates a rule may send (one-time codes are sent by systems)."""
    return list(
        db.session.scalars(
            select(MessageTemplate)
            .where(
                MessageTemplate.workspace_id == workspace_id,
                MessageTemplate.status == "APPROVED",
                func.coalesce(MessageTemplate.category, "") != "AUTHENTICATION",
            )
            .order_by(MessageTemplate.name, MessageTemplate.language)
        )
    )


def rows_of(model, workspace_id: int, order) -> list:
    return list(
        db.session.scalars(
            select(model).where(model.workspace_id == workspace_id).order_by(order)
        )
    )


@dataclass(frozen=True)
class Names:
    """Id (or field key) → name, per kind: how a rule reads on its pages."""

    channel_id: dict
    team_id: dict
    label_id: dict
    user_id: dict
    template_id: dict
    field_key: dict

    @classmethod
    def of(cls, workspace_id: int) -> "Names":
        return cls(
            channel_id={c.id: c.name for c in channels_of(workspace_id)},
            team_id={t.id: t.name for t in rows_of(Team, workspace_id, Team.name)},
            label_id={
                label.id: label.name
                for label in rows_of(Label, workspace_id, Label.name)
            },
            user_id={u.id: u.name for u in members_of(workspace_id)},
            template_id={
                t.id: f"{t.name} ({t.language})" for t in templates_of(workspace_id)
            },
            field_key={
                f.key: f.label
                for f in rows_of(ContactField, workspace_id, ContactField.label)
            },
        )

    def of_part(self, part: dict) -> str | None:
        """The name a condition or action refers to; None if it names nothing."""
        for key in ("channel_id", "team_id", "label_id", "user_id", "template_id"):
            if key in part:
                return getattr(self, key).get(part[key])
        if "field_key" in part:
            return self.field_key.get(part["field_key"])
        return None

    def describe(self, part: dict) -> str:
        """A condition or action in words: "Label hinzufügen: „dringend“"."""
        kind = part.get("kind", "")
        table = (
            wording.AUTOMATION_CONDITION
            if kind in wording.AUTOMATION_CONDITION
            else wording.AUTOMATION_ACTION
        )
        title = wording.label(table, kind)
        detail = self.detail(kind, part)
        return f"{title}: {detail}" if detail else title

    def detail(self, kind: str, part: dict) -> str:
        if kind == "snooze":
            return _("%(hours)s Stunden", hours=part.get("hours"))
        if kind == "set_state":
            return wording.label(wording.CONVERSATION_STATE, part.get("state"))
        if "choice" in part:
            return str(CHOICE_WORDS.get(part["choice"], ""))
        if any(key in part for key in (*ID_KEYS, "field_key")):
            name = self.of_part(part)
            named = f"„{name}“" if name else _("(gelöscht)")
            value = part.get("value")
            return f"{named} = „{value}“" if value is not None else named
        text = part.get("words") or part.get("text") or ""
        return f"„{text[:80]}{'…' if len(text) > 80 else ''}“" if text else ""


def choices_of(workspace_id: int) -> dict[str, list[SelectChoice]]:
    """The form's choices per row field, values as the form posts them."""
    names = Names.of(workspace_id)
    return {
        key: [
            SelectChoice(str(value), name)
            for value, name in getattr(names, key).items()
        ]
        for key in ("channel_id", "team_id", "label_id", "user_id", "template_id")
    } | {"field_key": [SelectChoice(k, v) for k, v in names.field_key.items()]}
