"""A workspace for the rules tests: the sample payloads' number (team Vertrieb), an
agent, a second team Recruiting, two labels and a custom field; and the steps a
test takes: the contact writes (a signed webhook, drained inline), a rule is added,
rows are read back."""

import itertools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from leadgate.automation import services
from leadgate.extensions import db
from leadgate.models import (
    Channel,
    ContactField,
    Conversation,
    Label,
    Role,
    Rule,
    RuleFiring,
    Team,
    TeamMember,
    User,
    Workspace,
    utcnow,
)
from leadgate.teams import services as teams

from ..inbox_support import AGENT, OWNER, owner_with_payload_channel, post_signed
from ..support import make_user, workspace_of
from ..webhook_fixtures import load_payload, meta_bytes

CUSTOMER = "4915112345678"
WAMIDS = itertools.count(1)


@dataclass(frozen=True)
class World:
    key: str  # the number's webhook key
    workspace_id: int
    channel_id: int
    owner_id: int
    agent_id: int
    sales_id: int  # "Vertrieb": the number's team
    recruiting_id: int  # "Recruiting": no number
    labels: dict[str, int]  # "Bewerbung", "dringend"
    field_key: str  # "branche"


def build_world(app) -> World:
    key = owner_with_payload_channel(app)
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == OWNER))
        workspace = workspace_of(owner)
        agent = make_user(
            AGENT, name="Arne Agent", workspace=workspace, role=Role.AGENT
        )
        channel = db.session.scalar(select(Channel))
        sales = teams.create_team(workspace.id, "Vertrieb", owner)
        teams.set_numbers(sales, [channel.id], owner)
        recruiting = teams.create_team(workspace.id, "Recruiting", owner)
        db.session.add(TeamMember(team_id=recruiting.id, user_id=agent.id))
        labels = [
            Label(workspace_id=workspace.id, name=name)
            for name in ("Bewerbung", "dringend")
        ]
        field = ContactField(workspace_id=workspace.id, key="branche", label="Branche")
        db.session.add_all([*labels, field])
        db.session.commit()
        return World(
            key,
            workspace.id,
            channel.id,
            owner.id,
            agent.id,
            sales.id,
            recruiting.id,
            {label.name: label.id for label in labels},
            field.key,
        )


def writes(client, world: World, text: str = "Hallo", wa_id: str = CUSTOMER) -> None:
    """The contact writes a text (Meta's webhook, signed; the drain runs inline)."""
    payload = load_payload("text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = wa_id
    value["contacts"][0].pop("user_id", None)
    message = value["messages"][0]
    message["id"] = f"wamid.rules.{next(WAMIDS)}"
    message["timestamp"] = str(int(utcnow().timestamp()))
    message["text"]["body"] = text
    post_signed(client, world.key, meta_bytes(payload))


def add_rule(
    app,
    world: World,
    trigger: str,
    actions: list[dict],
    conditions: tuple = (),
    name: str = "Regel",
    wait_minutes: int | None = None,
    enabled: bool = True,
) -> int:
    with app.app_context():
        owner = db.session.get(User, world.owner_id)
        rule = services.create_rule(
            world.workspace_id,
            services.RuleSettings(
                name, trigger, wait_minutes, list(conditions), actions, enabled
            ),
            owner,
        )
        db.session.commit()
        return rule.id


def label(world: World, name: str = "Bewerbung") -> dict:
    return {"kind": "add_label", "label_id": world.labels[name]}


def read(app, statement) -> list:
    with app.app_context():
        rows = db.session.scalars(statement).all()
        db.session.expunge_all()
        return rows


def only(app, statement):
    [row] = read(app, statement)
    return row


def conversation(app) -> Conversation:
    return only(app, select(Conversation))


def firings(app, rule_id: int | None = None) -> list[RuleFiring]:
    query = select(RuleFiring).order_by(RuleFiring.id)
    if rule_id is not None:
        query = query.where(RuleFiring.rule_id == rule_id)
    return read(app, query)


def outcomes(app, rule_id: int | None = None) -> list[list]:
    return [f.outcomes for f in firings(app, rule_id)]


def change(app, model, row_id: int, **values) -> None:
    with app.app_context():
        row = db.session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def hours_ago(hours: float):
    return utcnow() - timedelta(hours=hours)


__all__ = ["Rule", "Team", "Workspace"]
