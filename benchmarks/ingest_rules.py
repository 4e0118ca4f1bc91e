"""Rules and automatic assignment for benchmarks/webhook_ingest.py --rules.

The issue's bar: with 20 active rules and automatic assignment on, the drain
processes at least 90 % of the rate without them. seed() gives the benchmark's
workspace what a busy team has: its number in a team "Vertrieb" that assigns
round robin to four agents, all online and with room for every conversation,
a second team, labels, a custom field, and 20 enabled rules, evaluated after
every drain batch (automation/inbound.py).

Which of them fire on the benchmark's messages ("Hallo Nummer … – Grüße"):
- typical (the default): two, once per conversation (its first message sets a
  field, its assignment a label); the other 18 test keywords, teams, labels,
  fields and campaign replies that do not hold, as most rules of a workspace
  do for most messages;
- BENCH_RULES=heavy: five, three of them on every message (a keyword every
  text has, the number's team twice): a worst case, not a workspace's usual.
BENCH_RULES=0 seeds no rules, BENCH_ASSIGNMENT=0 no automatic assignment (to
see what each costs).
"""

import os

from sqlalchemy import select

PASSWORD = "bench password 123"
AGENTS = 3  # besides the benchmark's own user


def rules(ids: dict) -> list[tuple]:
    """(name, trigger, wait, conditions, actions): 20 rules (see the docstring)."""
    label, urgent, field = ids["label"], ids["urgent"], ids["field"]
    sales, recruiting = ids["sales"], ids["recruiting"]
    heavy = os.environ.get("BENCH_RULES") == "heavy"
    add = {"kind": "add_label", "label_id": label}
    team = {"kind": "team", "team_id": sales if heavy else recruiting}
    greeting = "Grüße" if heavy else "Servus"
    firing = [
        ("Neuer Kontakt", "conversation_opened", None,
         [{"kind": "first_contact", "choice": "yes"}],
         [{"kind": "set_field", "field_key": field, "value": "neu"}]),
        ("Zugewiesen", "conversation_assigned", None, [], [add]),
        ("Grüße markieren", "message_received", None,
         [{"kind": "text_contains", "words": greeting}], [add]),
        ("Vertrieb, neue Nachricht", "message_received", None,
         [team, {"kind": "channel", "channel_id": ids["channel"]}],
         [{"kind": "add_label", "label_id": urgent}]),
        ("Keine Auto-Antwort für Vertrieb", "message_received", None,
         [team], [{"kind": "auto_replies_off"}]),
    ]  # fmt: skip
    words = (
        "Bewerbung", "Lebenslauf", "Praktikum", "Kündigung", "Rechnung",
        "Preis, Angebot", "Termin", "Reklamation", "Lieferung, Versand",
    )  # fmt: skip
    quiet = [
        (f"Stichwort {word}", "message_received", None,
         [{"kind": "text_contains", "words": word}],
         [{"kind": "assign_team", "team_id": recruiting}, add])
        for word in words
    ] + [
        ("Genau: stop", "message_received", None,
         [{"kind": "text_equals", "words": "stopp, halt"}],
         [{"kind": "set_state", "state": "resolved"}]),
        ("Recruiting", "message_received", None,
         [{"kind": "team", "team_id": recruiting}], [add]),
        ("Branche Bau", "message_received", None,
         [{"kind": "field", "field_key": field, "value": "Bau"}], [add]),
        ("Dringend markiert", "message_received", None,
         [{"kind": "label", "label_id": urgent},
          {"kind": "text_contains", "words": "sofort"}],
         [{"kind": "assign_auto"}]),
        ("Kampagnenantwort", "message_received", None,
         [{"kind": "campaign_reply", "choice": "yes"}], [add]),
        ("Nach 30 Minuten", "no_agent_answer", 30, [], [add]),
    ]  # fmt: skip
    return firing + quiet


def seed(database_url: str, environment: dict) -> None:
    """Teams, agents, labels, a field and the 20 rules, in the benchmark's workspace."""
    from leadgate import create_app
    from leadgate.auth import services as accounts
    from leadgate.automation.services import RuleSettings, create_rule
    from leadgate.extensions import db
    from leadgate.models import Channel, ContactField, Label, Membership, Role, User
    from leadgate.teams import services as teams

    os.environ.update(environment)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url.replace(
        "postgresql://", "postgresql+psycopg://", 1)})  # fmt: skip
    with app.app_context():
        owner = db.session.get(User, 1)
        channel = db.session.scalar(select(Channel))
        workspace_id = channel.workspace_id
        people = [owner.id]
        for n in range(AGENTS):
            agent = accounts.create_user(
                f"Agent {n}", f"agent{n}@example.com", PASSWORD
            )
            db.session.add(
                Membership(workspace_id=workspace_id, user=agent, role=Role.AGENT)
            )
            db.session.flush()
            people.append(agent.id)
        for membership in db.session.scalars(
            select(Membership).where(Membership.workspace_id == workspace_id)
        ):
            membership.set_status("online")
        sales = teams.create_team(workspace_id, "Vertrieb", owner)
        teams.set_members(sales, people, owner)
        teams.set_numbers(sales, [channel.id], owner)
        # BENCH_ASSIGNMENT=0 / BENCH_RULES=0 leave one of the two out (to see
        # what each costs).
        if os.environ.get("BENCH_ASSIGNMENT", "1") != "0":
            sales.assignment_mode, sales.capacity = "round_robin", 100_000
        recruiting = teams.create_team(workspace_id, "Recruiting", owner)
        label, urgent = (
            Label(workspace_id=workspace_id, name="Grüße"),
            Label(workspace_id=workspace_id, name="dringend"),
        )
        field = ContactField(workspace_id=workspace_id, key="status", label="Status")
        db.session.add_all([label, urgent, field])
        db.session.flush()
        ids = {
            "label": label.id,
            "urgent": urgent.id,
            "field": field.key,
            "sales": sales.id,
            "recruiting": recruiting.id,
            "channel": channel.id,
        }
        chosen = rules(ids) if os.environ.get("BENCH_RULES", "1") != "0" else []
        for name, trigger, wait, conditions, actions in chosen:
            create_rule(
                workspace_id,
                RuleSettings(name, trigger, wait, conditions, actions, True),
                owner,
            )
        db.session.commit()
        db.engine.dispose()
