"""The scheduler: one tick a minute, in its own process in production (APScheduler)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from followup.clock import SystemClock
from followup.composing import compose
from followup.delivery import make_transport
from followup.dispatch import TickReport, tick

log = logging.getLogger(__name__)


def run_tick(app: Flask, dry_run: bool = False, clock=None) -> TickReport:
    """Run one scheduler pass inside the application, as of the clock's now."""
    runtime = app.extensions["followup"]
    now = (clock or runtime.clock).now()
    with app.app_context():
        opened = runtime.db.connect(reuse_if_open=True)
        try:
            report = tick(
                runtime.db,
                now,
                make_transport(app.config),
                compose,
                runtime.settings,
                dry_run=dry_run,
            )
        finally:
            if opened:
                runtime.db.close()
    if not dry_run:
        log.info(
            "tick: %d planned, %d queued, %d sent, %d failed, %d expired, %d contacts deleted",
            report.planned,
            report.queued,
            report.sent,
            report.failed,
            report.expired,
            report.contacts_deleted,
        )
    return report


def schedule(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    """Add the tick job to `scheduler`; one run at a time, missed runs folded into one."""
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
