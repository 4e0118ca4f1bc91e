"""Every endpoint of LeadGate, classified for the tenancy guard (tests/tenancy_guard.py).

A new endpoint fails tests/test_tenancy.py until it has an entry here. For one
that reads or changes workspace data, read its view and give a probe for each id
a request can carry (URL, query string, form body), aimed at THEIRS (the other
workspace, tenancy_world.Theirs); mix in OURS where the view combines an object
of ours with one named in the request. A probe expects 404 unless said
otherwise: list filters answer 200 and show nothing of theirs; a form with a
foreign choice answers 422 as for any invalid choice; a refused team action
answers 303 and flashes its reason (shows=...).
"""

from .support import PASSWORD
from .tenancy_guard import (
    OURS,
    THEIRS,
    get,
    own_account,
    platform_admin,
    post,
    public,
    workspace,
)

NOT_A_CHOICE = "Keine gültige Auswahl."  # WTForms, in German
NEW_ONLY = "creates an object of the current workspace; the form carries no id"
SETTINGS_ONLY = "changes the current workspace's own settings; the form carries no id"
HOURS_FORM = {
    "active": "y",
    "day0-open": "y",
    "day0-opens1": "09:00",
    "day0-closes1": "18:00",
    "time_zone": "Europe/Berlin",
}

REGISTRY = {
    # Public pages, sign-in and tokens
    "static": public("vendored CSS, JS and icons"),
    "public.index": public("the product page"),
    "public.privacy": public("the privacy policy"),
    "public.imprint": public("the imprint"),
    "public.contact": public("LeadGate's own contact form; stores an inquiry"),
    "cookies.settings": public("the cookie banner"),
    "cookies.save": public("the visitor's cookie choice"),
    "i18n.set_language": public("the visitor's language"),
    "auth.register": public("signs up: a link to the address typed"),
    "auth.login": public("signs in"),
    "auth.logout": public("signs out"),
    "auth.password_reset_request": public("mails a reset link to the address typed"),
    "auth.password_reset": public("a signed, expiring token bound to one user"),
    "auth.registration_sent": public("'check your mail' after signing up"),
    "auth.confirm_registration": public("a signed token from the sign-up mail"),
    "auth.login_code": public(
        "the second login step, for the account whose password this browser "
        "just gave (kept in its session)"
    ),
    "workspaces.accept_invite": public("a secret invite token (its hash is looked up)"),
    "leadform_public.show": public(
        "a published lead form by its slug: meant for anyone; a submission goes "
        "to the form's own workspace"
    ),
    "leadform_public.thanks": public("a lead form's thank-you page, by slug"),
    "webhooks.verify": public("Meta's handshake: secret channel key + verify token"),
    "webhooks.receive": public("Meta's webhook: secret channel key + HMAC signature"),
    # The signed-in user's own account
    "account.index": own_account(
        "the user's profile and access log", get(expect=200, shows="Alice Ahorn")
    ),
    "account.update_profile": own_account("the user's name and language"),
    "account.change_email": own_account("the user's address, after the password"),
    "account.change_password": own_account("the user's password"),
    "account.confirm_email": own_account(
        "a signed token, applied only to the signed-in user",
        get(token="kein-token", expect=302),
    ),
    "privacy.delete_account": own_account(
        "deletes the signed-in user, after the password", get(expect=200)
    ),
    "privacy.export_account": own_account("the user's own data as a ZIP"),
    "account.end_session": own_account(
        "ends one of the user's own logins", post(session_id=THEIRS.login_session)
    ),
    "account.end_other_sessions": own_account(
        "ends the user's other logins", get(expect=200)
    ),
    "account.forget_device": own_account(
        "one of the user's remembered devices",
        post(device_id=THEIRS.remembered_device),
    ),
    # Its GET makes the user a new secret to scan: not probed.
    "two_factor.setup": own_account("the user's own second factor"),
    "two_factor.renew_recovery_codes": own_account("the user's own recovery codes"),
    "two_factor.disable": own_account("the user's own second factor"),
    "workspaces.create": own_account(
        "starts a new workspace owned by the user", get(expect=200)
    ),
    # Platform operators (a workspace owner gets 404)
    "admin.inquiries": platform_admin(),
    "admin.statistics": platform_admin(),
    "admin.failed_webhooks": platform_admin(),
    "admin.requeue_webhook": platform_admin(post(event_id=THEIRS.webhook_event)),
    "admin.requeue_webhooks": platform_admin(),
    # Switching to and leaving workspaces
    "workspaces.switch": workspace(post({"workspace_id": THEIRS.workspace})),
    "privacy.open_owned_workspace": workspace(post(workspace_id=THEIRS.workspace)),
    # Inbox: list, thread, media
    "inbox.index": workspace(
        get(expect=200, shows="Anna Ahorn"),
        get(label=THEIRS.label, expect=200),
        get(channel=THEIRS.channel, expect=200),
        get(assignee=THEIRS.agent, expect=200),
        get(q="Lena", expect=200),
        get(q="Interesse", expect=200),  # words of her message
        get(q="+49 170 1234567", expect=200, shows="Anna Ahorn"),  # her number
        get(campaign=THEIRS.campaign, state="all", expect=200),  # Lena got it
    ),
    "inbox.events": workspace(
        unprobed={
            "GET": "an endless stream of the current workspace's event names; no "
            "id (test_live.test_other_workspaces_hear_nothing)"
        }
    ),
    # Showing our own thread would mark it read: only theirs is probed here.
    "inbox.show": workspace(
        get(conversation_id=THEIRS.conversation),
        get(conversation_id=THEIRS.conversation, label=THEIRS.label),
    ),
    "inbox.media": workspace(get(message_id=THEIRS.message)),
    # The thread's pages: older by a keyset cursor, newer after a message id
    # (both only compared within the conversation named in the URL).
    "inbox.older_messages": workspace(
        get(conversation_id=THEIRS.conversation, before="2026-01-01T00:00:00+00:00_1"),
    ),
    "inbox.newer_messages": workspace(
        get(conversation_id=THEIRS.conversation, after="0", mode="free"),
    ),
    "inbox.lookup": workspace(get(q="zebra", expect=200)),  # their canned shortcut
    "inbox.presence_fragment": workspace(get(conversation_id=THEIRS.conversation)),
    "inbox.report_presence": workspace(post(conversation_id=THEIRS.conversation)),
    # Inbox: sending
    "inbox.send": workspace(
        post({"text": "Hallo"}, conversation_id=THEIRS.conversation),
        post(
            {"text": "Hallo", "reply_to": THEIRS.message},
            conversation_id=OURS.conversation,
        ),
    ),
    "inbox.template_fields": workspace(
        get(conversation_id=THEIRS.conversation),
        get(conversation_id=OURS.conversation, template_id=THEIRS.template, expect=200),
    ),
    "inbox.send_template": workspace(
        post({"template_id": THEIRS.template}, conversation_id=THEIRS.conversation),
        post(
            {"template_id": THEIRS.template, "var-body-1": "x"},
            conversation_id=OURS.conversation,
            expect=303,
            shows="Bitte eine freigegebene Vorlage wählen.",
        ),
    ),
    "inbox.react": workspace(post({"emoji": "👍"}, message_id=THEIRS.message)),
    "inbox.resend_message": workspace(post(message_id=THEIRS.message)),
    # Inbox: team work
    "inbox.assign": workspace(
        post({"assignee": "me"}, conversation_id=THEIRS.conversation),
        post(
            {"assignee": THEIRS.agent},
            conversation_id=OURS.conversation,
            expect=303,
            shows="Diese Person gehört nicht zum Team.",
        ),
    ),
    "inbox.move_to_team": workspace(
        post({"team": ""}, conversation_id=THEIRS.conversation),
        post(
            {"team": THEIRS.team},
            conversation_id=OURS.conversation,
            expect=303,
            shows="Dieses Team gibt es in diesem Workspace nicht.",
        ),
    ),
    "inbox.change_state": workspace(
        post({"state": "resolved"}, conversation_id=THEIRS.conversation)
    ),
    "inbox.snooze": workspace(
        post({"preset": "1h"}, conversation_id=THEIRS.conversation)
    ),
    "inbox.add_label": workspace(
        post({"label_id": OURS.label}, conversation_id=THEIRS.conversation),
        post({"label_id": THEIRS.label}, conversation_id=OURS.conversation),
    ),
    "inbox.remove_label": workspace(
        post(conversation_id=THEIRS.conversation, label_id=THEIRS.label),
        post(conversation_id=OURS.conversation, label_id=THEIRS.label),
        post(conversation_id=THEIRS.conversation, label_id=OURS.label),
    ),
    "inbox.record_objection": workspace(post(conversation_id=THEIRS.conversation)),
    "inbox.restrict": workspace(
        post({"reason": "x"}, conversation_id=THEIRS.conversation)
    ),
    "inbox.lift_restriction": workspace(post(conversation_id=THEIRS.conversation)),
    "inbox.add_note": workspace(
        post({"note": "x"}, conversation_id=THEIRS.conversation)
    ),
    # The inbox's side panel shown or collapsed: kept in the user's own session.
    "inbox.remember_panel": workspace(post({"state": "closed"}, expect=204)),
    # Canned responses and labels
    "canned.index": workspace(get(expect=200), unprobed={"POST": NEW_ONLY}),
    "canned.delete": workspace(post(response_id=THEIRS.canned)),
    "labels.index": workspace(
        get(expect=200, shows="Ahorn-Label"), unprobed={"POST": NEW_ONLY}
    ),
    "labels.delete": workspace(post(label_id=THEIRS.label)),
    # Teams: who works which numbers' conversations
    "teams.index": workspace(
        get(expect=200, shows="Ahorn-Team"), unprobed={"POST": NEW_ONLY}
    ),
    "teams.show": workspace(
        get(team_id=THEIRS.team),
        post({"name": "x"}, team_id=THEIRS.team),
        # Their agent or their number are no choice on our team's page.
        post(
            {"name": "Ahorn-Team", "members": THEIRS.agent},
            team_id=OURS.team,
            expect=422,
        ),
        post(
            {"name": "Ahorn-Team", "channels": THEIRS.channel},
            team_id=OURS.team,
            expect=422,
        ),
        # Our team's choices: none of their people, numbers or teams.
        get(team_id=OURS.team, expect=200, shows="Ahorn-Team"),
    ),
    "teams.delete": workspace(post(team_id=THEIRS.team)),
    # WhatsApp-Kosten: the current workspace's month (their priced message of
    # "Zebra-Kampagne" this month must not show); the budget form carries no id.
    "costs.index": workspace(
        get(expect=200, shows="WhatsApp-Kosten"),
        unprobed={"POST": SETTINGS_ONLY},
    ),
    # Auswertungen → Überblick: the current workspace's facts only (their
    # opening, answer, resolution and breach must not be counted; their team or
    # number as a filter is no choice).
    "reports.overview_page": workspace(
        get(expect=200, shows="Kennzahl"),
        get(team=THEIRS.team, expect=422, shows=NOT_A_CHOICE),
        get(number=THEIRS.channel, expect=422, shows=NOT_A_CHOICE),
    ),
    "reports.overview_csv": workspace(
        get(expect=200, shows="Kennzahl"),
        get(team=THEIRS.team, expect=422, shows=NOT_A_CHOICE),
        get(number=THEIRS.channel, expect=422, shows=NOT_A_CHOICE),
    ),
    "cost_rates.index": platform_admin(),
    "cost_rates.delete": platform_admin(post(rate_id=THEIRS.whatsapp_rate)),
    "sla.set_target": workspace(post({"minutes": "5"}, team_id=THEIRS.team)),
    # Rules (Automationen): their rule is a 404; their label, team, agent,
    # number or template in a rule of ours is no choice (422).
    "automation.index": workspace(get(expect=200, shows="Ahorn-Regel")),
    "automation.new": workspace(
        get(expect=200),
        *(
            post(
                {
                    "name": "Ahorn",
                    "trigger": "message_received",
                    "actions-0-kind": kind,
                    f"actions-0-{key}": value,
                },
                expect=422,
                shows=NOT_A_CHOICE,
            )
            for kind, key, value in (
                ("add_label", "label_id", THEIRS.label),
                ("assign_team", "team_id", THEIRS.team),
                ("assign_agent", "user_id", THEIRS.agent),
                ("send_template", "template_id", THEIRS.template),
            )
        ),
        post(
            {
                "name": "Ahorn",
                "trigger": "message_received",
                "conditions-0-kind": "channel",
                "conditions-0-channel_id": THEIRS.channel,
                "actions-0-kind": "auto_replies_off",
            },
            expect=422,
            shows=NOT_A_CHOICE,
        ),
    ),
    "automation.edit": workspace(
        get(rule_id=THEIRS.rule),
        post({"name": "x"}, rule_id=THEIRS.rule),
        get(rule_id=OURS.rule, expect=200, shows="Ahorn-Regel"),
        post(
            {
                "name": "Ahorn-Regel",
                "trigger": "message_received",
                "actions-0-kind": "remove_label",
                "actions-0-label_id": THEIRS.label,
            },
            rule_id=OURS.rule,
            expect=422,
            shows=NOT_A_CHOICE,
        ),
    ),
    "automation.show": workspace(get(rule_id=THEIRS.rule)),
    "automation.try_rule": workspace(get(rule_id=THEIRS.rule)),
    "automation.switch": workspace(post({"enabled": "off"}, rule_id=THEIRS.rule)),
    "automation.move": workspace(post({"direction": "up"}, rule_id=THEIRS.rule)),
    "automation.delete": workspace(post(rule_id=THEIRS.rule)),
    # Business hours (per team, a number's own) and automatic replies
    "hours.team_hours": workspace(
        get(team_id=THEIRS.team),
        post(HOURS_FORM, team_id=THEIRS.team),
        get(team_id=OURS.team, expect=200, shows="Ahorn-Team"),
    ),
    "hours.number_hours": workspace(
        get(channel_id=THEIRS.channel),
        post(HOURS_FORM, channel_id=THEIRS.channel),
        get(channel_id=OURS.channel, expect=200, shows="Ahorn-Kanal"),
    ),
    "hours.add_closure": workspace(
        post({"first_day": "2026-08-03"}, hours_id=THEIRS.business_hours)
    ),
    "hours.delete_closure": workspace(post(closure_id=THEIRS.closure)),
    # Lists our teams and numbers with their hours; the form carries no id.
    "hours.auto_replies": workspace(
        get(expect=200, shows="Ahorn-Team"), unprobed={"POST": SETTINGS_ONLY}
    ),
    # Automatic assignment of a team (mode, capacity, sticky, members' own capacity).
    "teams.assignment": workspace(
        post(
            {"assignment_mode": "round_robin", "capacity": "3"},
            team_id=THEIRS.team,
        ),
        # Our team with its settings as they are: nothing changes, nothing shown.
        # (A member capacity field exists only for our own members:
        # tests/routing/test_settings.py posts one for their agent.)
        post(
            {"assignment_mode": "off", "capacity": "10"}, team_id=OURS.team, expect=303
        ),
    ),
    # The agent's own status (online, abwesend, offline) in the shell header.
    "routing.set_status": workspace(
        unprobed={
            "POST": "the signed-in member's own status in the current workspace; "
            "the form carries no id (tests/routing/test_status.py)"
        }
    ),
    # Contacts
    "contacts.index": workspace(
        get(expect=200, shows="Anna Ahorn"),
        get(label=THEIRS.label, expect=200),
        get(field=THEIRS.field_key, value="a", expect=200),
        get(q="Lena", expect=200),
        get(duplicates="1", expect=200),  # Anna's twin is theirs, not a duplicate
        get(lead_form=THEIRS.lead_form, expect=200),  # Lena sent it: not shown
        get(channel=THEIRS.channel, expect=200),
        get(campaign=THEIRS.campaign, expect=200),
    ),
    "contacts.segment_list": workspace(get(expect=200, shows="Zielgruppen")),
    "contacts.save_segment": workspace(
        # Saves a segment of the current workspace; the ids it can carry are
        # its filters' (label, lead form, number).
        post({"segment_name": "Ahorn", "label": THEIRS.label}, expect=422),
        post({"segment_name": "Ahorn", "lead_form": THEIRS.lead_form}, expect=422),
        post({"segment_name": "Ahorn", "channel": THEIRS.channel}, expect=422),
    ),
    "contacts.delete_segment": workspace(post(segment_id=THEIRS.segment)),
    "campaigns.review": workspace(
        get(expect=200, shows="Kampagne prüfen"),
        get(segment=THEIRS.segment),
        get(channel=THEIRS.channel),
        get(template=THEIRS.template),
    ),
    "campaigns.index": workspace(get(expect=200, shows="Kampagnen")),
    "campaigns.new": workspace(
        get(expect=200),
        post({"name": "Ahorn", "channel": THEIRS.channel}, expect=422),
        # Started from their segment or their campaign's results.
        post({"name": "Ahorn", "channel": OURS.channel}, segment=THEIRS.segment),
        post(
            {"name": "Ahorn", "channel": OURS.channel},
            campaign=THEIRS.campaign,
            outcome="not_read",
        ),
    ),
    "campaigns.edit": workspace(
        get(campaign_id=THEIRS.campaign, step="basics"),
        get(campaign_id=THEIRS.campaign, step="review"),
        post({"name": "x"}, campaign_id=THEIRS.campaign, step="basics"),
        post(
            {"name": "x", "channel": THEIRS.channel},
            campaign_id=OURS.campaign,
            step="basics",
            expect=422,
        ),
        post(
            {"audience": THEIRS.segment_choice},
            campaign_id=OURS.campaign,
            step="audience",
            expect=422,
        ),
        post(
            {"audience": THEIRS.campaign_choice},
            campaign_id=OURS.campaign,
            step="audience",
            expect=422,
        ),
        post(
            {"template": THEIRS.template},
            campaign_id=OURS.campaign,
            step="template",
            expect=422,
        ),
    ),
    "campaigns.show": workspace(
        get(campaign_id=THEIRS.campaign),
        get(campaign_id=THEIRS.campaign, filter="replied"),
    ),
    "campaigns.control": workspace(
        *(
            post(campaign_id=THEIRS.campaign, action=action)
            for action in ("launch", "pause", "resume", "cancel")
        ),
    ),
    "campaigns.evidence_csv": workspace(get(campaign_id=THEIRS.campaign)),
    "contacts.export": workspace(
        get(expect=200, shows="Anna Ahorn"),
        get(label=THEIRS.label, expect=200),
        audited=True,
    ),
    "contacts.create": workspace(
        get(expect=200),
        # 422 for the label: the checkbox list names no error (only a crafted
        # request can send another workspace's label).
        post({"phone": "+49 151 23456789", "labels": THEIRS.label}, expect=422),
    ),
    "contacts.show": workspace(
        get(contact_id=THEIRS.contact),
        post({"name": "x"}, contact_id=THEIRS.contact),
        get(contact_id=OURS.contact, expect=200, shows="Anna"),  # Lena's number
        post(
            {"name": "Anna Ahorn", "labels": THEIRS.label},
            contact_id=OURS.contact,
            expect=422,  # for the label, as in contacts.create
        ),
    ),
    "contacts.record_consent": workspace(
        post(
            {
                "purpose": "whatsapp_marketing",
                "action": "opt_in",
                "wording": "x",
                "note": "x",
            },
            contact_id=THEIRS.contact,
        )
    ),
    "contacts.restrict": workspace(post({"reason": "x"}, contact_id=THEIRS.contact)),
    "contacts.lift_restriction": workspace(post(contact_id=THEIRS.contact)),
    "consent.record_objection": workspace(post(contact_id=THEIRS.contact)),
    "consent.withdraw_objection": workspace(
        get(contact_id=THEIRS.contact),
        post({"reason": "x"}, contact_id=THEIRS.contact),
    ),
    "contacts.merge_into": workspace(
        post(contact_id=OURS.contact, other_id=THEIRS.contact),
        post(contact_id=THEIRS.contact, other_id=OURS.contact),
    ),
    "privacy.erase_contact": workspace(
        post({"confirm": "y"}, contact_id=THEIRS.contact)
    ),
    "privacy.export_contact": workspace(post(contact_id=THEIRS.contact)),
    # Contact import
    "contacts.import_upload": workspace(
        get(expect=200),
        get(campaign=THEIRS.campaign),  # a list for their campaign: not found
        unprobed={"POST": "uploads a file into the current workspace"},
    ),
    "contacts.import_mapping": workspace(
        get(import_id=THEIRS.contact_import),
        post({"column_0": "phone"}, import_id=THEIRS.contact_import),
        post(
            {"column_0": "phone", "column_1": THEIRS.field_target},
            import_id=OURS.contact_import,
            expect=422,
            shows=NOT_A_CHOICE,
        ),
    ),
    "contacts.import_run": workspace(post(import_id=THEIRS.contact_import)),
    "contacts.import_result": workspace(get(import_id=THEIRS.contact_import)),
    "contacts.import_invalid_csv": workspace(get(import_id=THEIRS.contact_import)),
    # Contact settings
    "contact_fields.index": workspace(
        get(expect=200), unprobed={"POST": SETTINGS_ONLY}
    ),
    "contact_fields.add_field": workspace(unprobed={"POST": NEW_ONLY}),
    "contact_fields.delete_field": workspace(post(field_id=THEIRS.field)),
    # Lead forms
    "leadforms.index": workspace(get(expect=200, shows="Ahorn")),
    "leadforms.create": workspace(
        get(expect=200),
        post(
            {"name": "Neu", "channel_id": THEIRS.channel, "show_name": "required"},
            expect=422,
            shows=NOT_A_CHOICE,
        ),
    ),
    "leadforms.edit": workspace(
        get(form_id=THEIRS.lead_form),
        post({"name": "x"}, form_id=THEIRS.lead_form),
        post(
            {"name": "Ahorn", "channel_id": THEIRS.channel, "show_name": "required"},
            form_id=OURS.lead_form,
            expect=422,
            shows=NOT_A_CHOICE,
        ),
    ),
    "leadforms.delete": workspace(post(form_id=THEIRS.lead_form)),
    "leadforms.submissions": workspace(get(form_id=THEIRS.lead_form)),
    # WhatsApp numbers and templates
    "channels.index": workspace(get(expect=200, shows="Ahorn-Kanal")),
    "channels.create": workspace(
        get(expect=200),
        # Their number cannot be connected again: it would take over its webhooks.
        post(
            {
                "name": "Meins",
                "phone_number_id": "3000000001",
                "waba_id": "3000000002",
                "access_token": "t",
                "app_secret": "s",
            },
            expect=422,
            shows="bereits mit LeadGate verbunden",
        ),
    ),
    "channels.show": workspace(get(channel_id=THEIRS.channel)),
    "channels.replace_secrets": workspace(
        post({"access_token": "x"}, channel_id=THEIRS.channel)
    ),
    "channels.test": workspace(post(channel_id=THEIRS.channel)),
    "channels.templates": workspace(get(expect=200)),
    "channels.sync_templates": workspace(
        unprobed={"POST": "fetches the templates of the current workspace's numbers"}
    ),
    # Team and workspace settings
    "workspaces.members": workspace(get(expect=200, shows="Alice Ahorn")),
    "workspaces.invite": workspace(unprobed={"POST": NEW_ONLY}),
    "workspaces.revoke_invite": workspace(post(invite_id=THEIRS.invite)),
    "workspaces.change_role": workspace(
        post({"role": "admin"}, membership_id=THEIRS.agent_member),
        post({"role": "agent"}, membership_id=THEIRS.owner_member),
    ),
    "workspaces.remove_member": workspace(post(membership_id=THEIRS.agent_member)),
    "workspaces.two_factor": workspace(
        get(expect=200), unprobed={"POST": SETTINGS_ONLY}
    ),  # members without two-factor login: ours only
    "workspaces.settings": workspace(get(expect=200), unprobed={"POST": SETTINGS_ONLY}),
    "privacy.transfer_ownership": workspace(
        get(expect=200),
        post({"member": THEIRS.owner_member, "current_password": PASSWORD}),
    ),
    "privacy.delete_workspace": workspace(
        get(expect=200),
        unprobed={"POST": "deletes the current workspace, by name and password"},
    ),
    "privacy.retention": workspace(get(expect=200), unprobed={"POST": SETTINGS_ONLY}),
    "privacy.audit_trail": workspace(
        get(expect=200), get(actor=THEIRS.owner, expect=200)
    ),
}

# WSGI layers in front of the Flask views (tenancy_guard.reachable): what each
# answers by itself, without a Flask endpoint of its own.
LAYERS = {
    "DispatcherMiddleware": "mounts the webhook app at /webhooks; its endpoints "
    "are the webhooks.* entries above",
    "FastWebhooks": "POST /webhooks/whatsapp/<key> of a cached channel: secret "
    "channel key + HMAC signature, as webhooks.receive",
    "OpsEndpoints": "/healthz, /readyz and /metrics (bearer token) for operations: "
    "counts and states, no workspace data, no session",
    "ProxyFix": "trusts PROXY_COUNT proxies' X-Forwarded-* headers; answers nothing",
}
