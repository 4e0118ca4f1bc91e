"""Schedules, run by `rq cron leadgate.cron` in production and by `leadgate dev` embedded."""

from rq import cron

from .auth.sessions import sweep_offline_statuses
from .automation.timers import fire_time_rules
from .campaigns.launch import sweep_campaigns
from .campaigns.notices import notify_stopped_campaigns
from .channels.services import refresh_all_numbers
from .contacts.importing.writes import purge_contact_imports
from .costs.notices import notify_budget_levels
from .inbox.team import wake_snoozed
from .outbound.recovery import sweep_outbound
from .outbound.templates import sync_all_templates
from .privacy.retention.purge import nightly_purge
from .routing.assignment import fill_backlogs
from .sla.clock import sweep_breaches
from .webhooks.ingest import requeue_stale_webhooks
from .workspaces.services import purge_expired_invites

cron.register(requeue_stale_webhooks, queue_name="high", interval=60)
cron.register(sweep_outbound, queue_name="default", interval=30)
cron.register(wake_snoozed, queue_name="default", interval=60)
# Rules "no answer after N minutes/hours": exact to the minute.
cron.register(fire_time_rules, queue_name="default", interval=60)
# First-response targets missed this minute (sla/clock.py).
cron.register(sweep_breaches, queue_name="default", interval=60)
# Automatic assignment's safety net: nothing waits while an agent has room.
cron.register(fill_backlogs, queue_name="default", interval=60)
# Members whose logins all went idle (never signed out) are offline.
cron.register(sweep_offline_statuses, queue_name="low", interval=300)
# Scheduled campaigns start on time (to the quarter minute); lost feeds restart.
cron.register(sweep_campaigns, queue_name="default", interval=15)
# A campaign that stopped by itself (template paused by Meta …): owners are mailed.
cron.register(notify_stopped_campaigns, queue_name="default", interval=60)
# WhatsApp costs at 80 % / 100 % of a workspace's budget: owners are mailed once.
cron.register(notify_budget_levels, queue_name="low", interval=900)
cron.register(sync_all_templates, queue_name="low", cron="17 * * * *")
# Each number's throughput level (and name, quality): the pace follows it.
cron.register(refresh_all_numbers, queue_name="low", cron="40 4 * * *")
cron.register(purge_expired_invites, queue_name="low", cron="30 3 * * *")
cron.register(purge_contact_imports, queue_name="low", cron="30 3 * * *")
# A long backlog may take a while; each batch is committed, so a cut-off run
# loses nothing and the next one carries on.
cron.register(nightly_purge, queue_name="low", cron="0 3 * * *", job_timeout=3 * 3600)
