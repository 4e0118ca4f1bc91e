"""Every RQ job of LeadGate, listed in one place.

Why one list instead of a jobs.py per feature: a job is a thin entry point
into its feature's service code (deliver_due beside the delivery rules,
download_media beside the media checks), so it stays in that module; what was
missing is the overview. This list is it: the worker runs only these functions
(RQ would import and call any dotted name a job in Redis carries), and
tests/test_jobs.py fails when a module enqueues a function not listed.
Mail jobs live in mail.py. The app context comes from the worker
(queue.AppWorker), never from the job.

This module sits beside cli.py and cron.py, above the features: nothing in a
feature or the shared layer imports it.
"""

from collections.abc import Callable

from .auth.mails import send_email_change, send_password_reset
from .auth.registration import send_sign_up_mail
from .auth.sessions import sweep_offline_statuses
from .automation.engine import run_rules
from .automation.inbound import after_inbound
from .automation.timers import fire_time_rules
from .campaigns.feed import feed_campaign
from .campaigns.launch import sweep_campaigns
from .campaigns.notices import mail_campaign_stopped, notify_stopped_campaigns
from .channels.services import refresh_all_numbers, refresh_number
from .contacts.importing.writes import purge_contact_imports
from .costs.notices import mail_budget_level, notify_budget_levels
from .demo_campaign import answer_demo_campaign, seed_demo_campaigns
from .inbox.team import wake_snoozed
from .mail import send_invite
from .media import download_media
from .outbound.delivery import deliver_due
from .outbound.receipts import send_read_receipt
from .outbound.recovery import sweep_outbound
from .outbound.templates import sync_all_templates, sync_templates
from .privacy.files import delete_media_files
from .privacy.retention.purge import nightly_purge
from .routing.assignment import (
    after_release,
    assign_conversation,
    fill_backlogs,
    fill_team,
    pick_up,
)
from .sla.clock import sweep_breaches
from .webhooks.ingest import process_pending_webhooks, requeue_stale_webhooks
from .workspaces.services import purge_expired_invites

JOBS: tuple[Callable, ...] = (
    # Inbound: the "high" queue.
    process_pending_webhooks,
    requeue_stale_webhooks,
    # A drain's follow-up (assignment, replies, rules): "default", behind the drains.
    after_inbound,
    # Outbound and media: "default".
    deliver_due,
    sweep_outbound,
    send_read_receipt,
    download_media,
    wake_snoozed,
    # Automatic assignment (routing/): "default".
    assign_conversation,
    pick_up,
    after_release,
    fill_team,
    fill_backlogs,
    sweep_offline_statuses,
    # Rules (automation/): "default".
    run_rules,
    fire_time_rules,
    sweep_breaches,
    feed_campaign,
    sweep_campaigns,
    notify_stopped_campaigns,
    notify_budget_levels,
    # Mail.
    mail_campaign_stopped,
    mail_budget_level,
    send_sign_up_mail,
    send_password_reset,
    send_email_change,
    send_invite,
    # Slow and nightly: "low".
    sync_templates,
    sync_all_templates,
    refresh_number,
    refresh_all_numbers,
    delete_media_files,
    nightly_purge,
    purge_contact_imports,
    purge_expired_invites,
    # `leadgate dev` only: the demo's campaign (demo_campaign.py).
    seed_demo_campaigns,
    answer_demo_campaign,
)


def names() -> frozenset[str]:
    """The dotted names RQ stores for these functions (Job.func_name)."""
    return frozenset(f"{job.__module__}.{job.__qualname__}" for job in JOBS)
