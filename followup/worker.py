"""The scheduler: one tick a minute, in its own process in production (APScheduler)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from followup.clock import SystemClock
from followup.sending.composing import compose
from followup.sending.delivery import make_senders
from followup.sending.dispatch import tick
from followup.sending.scheduler_lock import hold
from followup.sending.sender import Settings, TickReport, requeue_in_flight

log = logging.getLogger(__name__)


def run_tick(app: Flask, dry_run: bool = False, clock=None, settings: Settings | None = None) -> TickReport:
    """Run one scheduler pass inside the application, as of the clock's now."""
    runtime = app.extensions["followup"]
    with app.app_context():
        opened = runtime.db.connect(reuse_if_open=True)
        try:
            report = tick(
                runtime.db,
                clock or runtime.clock,
                make_senders(app.config),
                compose,
                settings or runtime.settings,
                dry_run,
            )
        finally:
            if opened:
                runtime.db.close()
    if not dry_run:
        log.info(
            "tick: %d planned, %d queued, %d sent, %d failed, %d to retry, %d expired, %d contacts deleted%s",
            report.planned,
            report.queued,
            report.sent,
            report.failed,
            report.retried,
            report.expired,
            report.contacts_deleted,
            " (outside the send window)" if report.window_closed else "",
        )
    return report


def schedule(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    """Add the tick job to `scheduler`; one run at a time, missed runs folded into one.

    Raises SchedulerBusy if another process schedules for this database. Messages left 'sending'
    by a previous process are queued again first: with one scheduler, nobody else sends them.
    """
    hold(app.config["DATABASE_URL"])
    runtime = app.extensions["followup"]
    opened = runtime.db.connect(reuse_if_open=True)
    try:
        requeue_in_flight()
    finally:
        if opened:
            runtime.db.close()
    scheduler.add_job(
        run_tick,
        "interval",
        args=[app],
        seconds=app.config["TICK_SECONDS"],
        id="tick",
        next_run_time=SystemClock().now(),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        replace_existing=True,
    )
    return scheduler
