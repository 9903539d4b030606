"""followup: anonymised long-term follow-up surveys after labour-market programmes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, abort, current_app, make_response, render_template, request
from peewee import Database
from werkzeug.middleware.proxy_fix import ProxyFix

from followup import config as settings
from followup import db as database_module
from followup import i18n
from followup.answers.surveys import Survey, load_surveys
from followup.clock import SystemClock
from followup.instance import private_folder
from followup.sending.quiet_hours import parse_window
from followup.sending.sender import Settings
from followup.web.limits import body_limit
from followup.web.redaction import RedactLinks

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Runtime:
    """What the views and commands share: the clock, the database and the loaded surveys."""

    clock: object
    db: Database
    surveys: dict[str, dict[int, Survey]]
    settings: Settings


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
    # Local state (a SQLite database, the outbox, the generated key): for the owner's eyes only.
    private_folder(values["INSTANCE_PATH"])
    app.config.update(values)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=values["ENV"] == "production",
        WTF_CSRF_TIME_LIMIT=None,
    )
    # Before the database hooks: a body too large is refused before anything else is done.
    app.before_request(_refuse_large_bodies)
    app.logger.addFilter(RedactLinks())
    database_module.init_app(app)
    i18n.init_app(app)
    app.extensions["followup"] = Runtime(
        clock=clock,
        db=database_module.database,
        surveys=load_surveys(),
        settings=dispatch_settings(app.config),
    )

    from followup import cli
    from followup.web import evaluator, limits, participant, staff, webhooks
    from followup.web.sessions import AudienceSessions, is_staff_request
    from followup.web.staff import common as staff_pages

    if values["PROXY_COUNT"]:
        # Behind N proxies the client is the address the Nth one saw, not the proxy's.
        count = values["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    app.session_interface = AudienceSessions()
    cli.init_app(app)
    limits.init_app(app)
    app.register_blueprint(participant.bp)
    app.register_blueprint(webhooks.bp)
    limits.count_failures(
        app,
        ["participant.arrive", "participant.stop"],
        limits.LINK_GUESSES,
        "links",
        participant.unknown_link,
    )
    staff.init_app(app)
    evaluator.init_app(app)

    def not_found(error):
        # A staff address answers in the workspace's words, any other as a survey link that failed.
        return staff_pages.not_found(error) if is_staff_request() else participant.not_found(error)

    def too_large(error):
        response = make_response(staff_pages.too_large(error) if is_staff_request() else _too_large())
        # The body was not read: close the connection rather than read megabytes to keep it open.
        response.headers["Connection"] = "close"
        return response

    app.register_error_handler(404, not_found)
    app.register_error_handler(413, too_large)
    app.register_error_handler(429, participant.too_many)
    app.context_processor(lambda: {"organisation": app.config["WHO_IS_ASKING"]})
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


# The largest request followup needs is a survey page with a long comment (a few KiB) or a Twilio
# webhook (under 10 KiB); 256 KiB leaves room and refuses uploads of megabytes at once.
MAX_BODY = 256 * 1024
# HSTS for a year, in production only (a development server on http://127.0.0.1 must stay reachable).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def _refuse_large_bodies():
    # Said by the client before the body is sent: refused without reading it.
    request.max_content_length = body_limit(current_app, request.endpoint)
    if (request.content_length or 0) > request.max_content_length:
        abort(413)


def _too_large():
    return render_template("error_too_large.html"), 413


def _security_headers(response):
    """Keep pages private: no framing, no third parties, no caching, no Referer outside the site."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if current_app.config["ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _server_error(_error):
    return render_template("error.html"), 500
