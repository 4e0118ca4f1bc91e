"""The parts a rule is made of: each condition and action kind, and the keys it keeps.

A condition or action is stored as a small document, {"kind": "add_label",
"label_id": 7}; FIELDS names the keys each kind has (the form shows those
inputs, forms.py checks them). Their words on the page are wording.py's
AUTOMATION_* tables.
"""

from ..models.rules import TIME_TRIGGERS, TRIGGERS

CONDITION_FIELDS: dict[str, tuple[str, ...]] = {
    "text_contains": ("words",),
    "text_equals": ("words",),
    "channel": ("channel_id",),
    "team": ("team_id",),
    "label": ("label_id",),
    "field": ("field_key", "value"),
    "hours": ("choice",),
    "first_contact": ("choice",),
    "consent": ("choice",),
    "campaign_reply": ("choice",),
}
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "assign_team": ("team_id",),
    "assign_agent": ("user_id",),
    "assign_auto": (),
    "add_label": ("label_id",),
    "remove_label": ("label_id",),
    "set_state": ("state",),
    "snooze": ("hours",),
    "send_text": ("text",),
    "send_template": ("template_id",),
    "add_note": ("text",),
    "set_field": ("field_key", "value"),
    "auto_replies_off": (),
}
# Keys whose value is the id of a row of the workspace.
ID_KEYS = ("channel_id", "team_id", "label_id", "user_id", "template_id")
# The choice a yes/no or inside/outside condition offers, "yes" / "inside" first.
CHOICES = {
    "hours": ("inside", "outside"),
    "first_contact": ("yes", "no"),
    "consent": ("yes", "no"),
    "campaign_reply": ("yes", "no"),
}
# States a rule may set (snoozing is its own action: it needs a time).
SETTABLE_STATES = ("open", "pending", "resolved")
MAX_SNOOZE_HOURS = 24 * 30
# "No agent answer" is asked in minutes, "no contact answer" in hours.
WAIT_UNIT_MINUTES = {"no_agent_answer": 1, "no_contact_answer": 60}
MAX_WAIT = {"no_agent_answer": 60 * 24 * 7, "no_contact_answer": 24 * 30}
MAX_ROWS = 10  # conditions, and actions, per rule

__all__ = ["TIME_TRIGGERS", "TRIGGERS"]


def wait_in_unit(trigger: str, minutes: int | None) -> int | None:
    """A time trigger's wait as the form asks it (minutes or hours)."""
    if minutes is None or trigger not in WAIT_UNIT_MINUTES:
        return None
    return minutes // WAIT_UNIT_MINUTES[trigger]
