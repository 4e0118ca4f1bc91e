"""Schedules, run by `rq cron leadgate.cron` in production and by `leadgate dev` embedded."""

from rq import cron

from .jobs import purge_expired_invites

cron.register(purge_expired_invites, queue_name="low", cron="30 3 * * *")
