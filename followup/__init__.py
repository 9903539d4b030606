"""followup: anonymised long-term follow-up surveys after labour-market programmes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, render_template
from peewee import Database

from followup import config as settings
from followup import db as database_module
from followup import i18n
from followup.answers.surveys import Survey, load_surveys
from followup.clock import SystemClock
from followup.sending.quiet_hours import parse_window
from followup.sending.sender import Settings
from followup.web.throttle import FailureThrottle

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Runtime:
    """What the views and commands share: the clock, the database and the loaded surveys."""

    clock: object
    db: Database
    surveys: dict[str, dict[int, Survey]]
    settings: Settings
    throttle: FailureThrottle


def create_app(config: dict | None = None) -> Flask:
    """Build the application from the environment, overridden by `config` (tests pass a dict)."""
    overrides = dict(config or {})
    clock = overrides.pop("CLOCK", None) or SystemClock()
    values = {**settings.from_environment(), **overrides}
    app = Flask(
        __name__,
        instance_path=str(Path(values.get("INSTANCE_PATH") or ROOT / "instance").resolve()),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    values = settings.complete(values, app.instance_path)
    app.config.update(values)
    app.config.update(
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=values["ENV"] == "production",
        WTF_CSRF_TIME_LIMIT=None,
    )
    database_module.init_app(app)
    i18n.init_app(app)
    app.extensions["followup"] = Runtime(
        clock=clock,
        db=database_module.database,
        surveys=load_surveys(),
        settings=dispatch_settings(app.config),
        throttle=FailureThrottle(),
    )

    from followup import cli
    from followup.web import limits, participant, staff, webhooks
    from followup.web.sessions import AudienceSessions, is_staff_request
    from followup.web.staff import routes as staff_routes

    app.session_interface = AudienceSessions()
    cli.init_app(app)
    limits.init_app(app)
    app.register_blueprint(participant.bp)
    app.register_blueprint(webhooks.bp)
    staff.init_app(app)

    def not_found(error):
        # A staff address answers in the workspace's words, any other as a survey link that failed.
        return staff_routes.not_found(error) if is_staff_request() else participant.not_found(error)

    app.register_error_handler(404, not_found)
    app.after_request(_security_headers)
    app.register_error_handler(500, _server_error)
    return app


def dispatch_settings(config: dict) -> Settings:
    """Return the sending settings taken from the configuration."""
    zone = ZoneInfo(config["TIMEZONE"])
    try:
        window = parse_window(config["SEND_DAYS"], config["SEND_HOURS"], config["HOLIDAYS"], zone)
    except ValueError as exc:
        raise settings.ConfigError(str(exc)) from None
    twilio = config["SMS_TRANSPORT"] == "twilio"
    return Settings(
        zone=zone,
        send_hour=config["SEND_HOUR"],
        base_url=config["BASE_URL"],
        mail_from=config["MAIL_FROM"],
        contact_retention_days=config["CONTACT_RETENTION_DAYS"],
        window=window,
        email_per_second=config["EMAIL_PER_SECOND"],
        sms_per_second=config["SMS_PER_SECOND"],
        status_callback=f"{config['BASE_URL']}/webhooks/twilio/status" if twilio else None,
    )


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _security_headers(response):
    """Keep pages private: no framing, no third parties, no caching, no Referer outside the site."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _server_error(_error):
    return render_template("error.html"), 500
