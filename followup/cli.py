"""The `followup` command line."""

from __future__ import annotations

import inspect
import io
import logging
import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import WSGIRequestHandler, run_simple

from followup import db
from followup.accounts.audit import record
from followup.accounts.links import issue_link
from followup.accounts.roles import RoleError
from followup.accounts.users import UserError, create_user, list_users
from followup.answers.answering import check_fingerprints
from followup.answers.surveys import SurveyError, latest
from followup.clock import FixedClock
from followup.i18n import _l
from followup.instance import private_folder
from followup.models import Message, OneTimeLink, Participant, Programme, ResearchGrant, Role, day_list
from followup.plan.importing import (
    MAX_FILE_BYTES,
    ImportRejected,
    import_into_programme,
    import_participants,
    read_rows,
)
from followup.plan.programmes import (
    DetailsError,
    ProgrammeError,
    clean_details,
    create_programme,
    find_programme,
    list_programmes,
)
from followup.plan.scheduling import DEFAULT_OFFSETS, DEFAULT_WINDOW_DAYS, add_months
from followup.results.exports import as_json, write_csv, write_xlsx
from followup.results.measures import ACTIVITIES
from followup.results.microdata import MicrodataRefused, MicrodataRequest, export_microdata, record_grant
from followup.results.reporting import assumptions_for, make_report
from followup.sending.scheduler_lock import SchedulerBusy


def _runtime():
    return current_app.extensions["followup"]


def _connected():
    runtime = _runtime()
    runtime.db.connect(reuse_if_open=True)
    if db.pending_migrations(runtime.db):
        raise click.ClickException(str(_l("The database is not up to date. Run: followup init")))
    _check_surveys(runtime)
    return runtime


def _programme(name: str):
    try:
        return find_programme(name)
    except ProgrammeError as exc:
        raise click.ClickException(str(exc)) from None


def _check_surveys(runtime) -> None:
    try:
        check_fingerprints(runtime.surveys)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from None


class Command(click.Command):
    """A command whose help follows the run's language and is never cut short in a list."""

    def get_short_help_str(self, limit: int = 45) -> str:
        # click cuts a help line at `limit` characters and adds "..."; ours are written to fit whole.
        return inspect.cleandoc(str(self.short_help or self.help or "")).partition("\n")[0].strip()

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", _l("[OPTIONS]"))
        super().__init__(*args, **kwargs)
        self.lazy_metavars = {"options_metavar": self.options_metavar}

    def make_context(self, info_name, args, parent=None, **extra):
        # click keeps the --help option, text included, from the first run; a run in another
        # language (the tests run both) makes its own.
        self._help_option = None
        # click joins metavars as str: translate them for this run, keeping the lazy originals.
        for name, text in self.lazy_metavars.items():
            setattr(self, name, str(text))
        for param in self.params:
            if param.metavar is not None and not isinstance(param.metavar, str):
                param.lazy_metavar = param.metavar
            if getattr(param, "lazy_metavar", None) is not None:
                param.metavar = str(param.lazy_metavar)
        return super().make_context(info_name, args, parent, **extra)


class Option(click.Option):
    """An option whose help follows the run's language (click turns help into text when declared)."""

    def __init__(self, *args, help=None, **kwargs) -> None:
        super().__init__(*args, help=help, **kwargs)
        self.lazy_help = help

    def get_help_record(self, ctx):
        if self.lazy_help is not None:
            self.help = str(self.lazy_help)
        return super().get_help_record(ctx)


def option(*param_decls: str, **attrs):
    """Declare an option of followup's own kind (see Option)."""
    return click.option(*param_decls, cls=Option, **attrs)


class Group(Command, click.Group):
    """A group of commands, with the same help rules."""

    command_class = Command
    group_class = type

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", _l("COMMAND [ARGS]..."))
        super().__init__(*args, **kwargs)
        self.lazy_metavars["subcommand_metavar"] = self.subcommand_metavar


def init_app(app) -> None:
    """Register the commands on the application, where test runners find them."""
    for command in commands():
        app.cli.add_command(command)


def commands() -> list[click.Command]:
    """Return the `followup` commands, in the order `followup --help` lists them."""
    return [
        init,
        migrations,
        programme,
        users,
        participants,
        tick_command,
        report,
        microdata,
        status_command,
        contacts_command,
        serve,
        worker,
        demo,
    ]


@click.command(
    cls=Command, help=_l("Create or update the database (safe to run again) and the instance folder.")
)
@with_appcontext
def init() -> None:
    """Create or update the database (safe to run again) and the instance folder."""
    runtime = _runtime()
    private_folder(current_app.config["OUTBOX_PATH"])
    runtime.db.connect(reuse_if_open=True)
    applied = db.migrate(runtime.db)
    _check_surveys(runtime)
    if applied:
        click.echo(_l("Applied: %(names)s", names=", ".join(applied)))
    else:
        click.echo(_l("The database is up to date."))
    click.echo(_l("Instance folder: %(path)s", path=current_app.instance_path))


@click.command(cls=Command, help=_l("List the schema migrations and whether each is applied."))
@with_appcontext
def migrations() -> None:
    """List the schema migrations and whether each is applied."""
    runtime = _runtime()
    runtime.db.connect(reuse_if_open=True)
    for migration in db.migration_runner(runtime.db).status():
        state = _l("applied") if migration.applied else _l("PENDING")
        click.echo(f"{state}  {migration.name}")


@click.group(cls=Group, help=_l("Programmes and their follow-up plans."))
def programme() -> None:
    """Programmes and their follow-up plans."""


@programme.command("create", help=_l("Create a programme with its follow-up waves and contact plan."))
@click.argument("name", metavar=_l("NAME"))
@option(
    "--waves",
    default=",".join(map(str, DEFAULT_OFFSETS)),
    show_default=True,
    metavar=_l("MONTHS"),
    help=_l("Months after exit, comma separated."),
)
@option(
    "--window-days",
    default=DEFAULT_WINDOW_DAYS,
    show_default=True,
    type=int,
    metavar=_l("DAYS"),
    help=_l("Days a survey can be answered after it falls due."),
)
@option(
    "--channels",
    type=click.Choice(Programme.CHANNEL_POLICIES),
    default=Programme.EMAIL_THEN_SMS,
    show_default=True,
    help=_l("Which channels carry the messages."),
)
@option(
    "--reminders",
    default="7,14",
    show_default=True,
    metavar=_l("DAYS"),
    help=_l("Days after the invitation to remind, comma separated; empty for none."),
)
@option(
    "--organisation",
    default="",
    metavar=_l("NAME"),
    help=_l("The organisation participants see; without it, FOLLOWUP_ORGANISATION."),
)
@option("--contact-email", default="", metavar=_l("EMAIL"), help=_l("The contact person's e-mail address."))
@option("--contact-phone", default="", metavar=_l("PHONE"), help=_l("The contact person's phone number."))
@option("--sender-name", default="", metavar=_l("NAME"), help=_l("The sender's name on the e-mails."))
@with_appcontext
def programme_create(
    name: str,
    waves: str,
    window_days: int,
    channels: str,
    reminders: str,
    organisation: str,
    contact_email: str,
    contact_phone: str,
    sender_name: str,
) -> None:
    """Create a programme with its follow-up waves and contact plan."""
    runtime = _connected()
    try:
        offsets = day_list(waves)
        reminder_days = day_list(reminders)
        details = clean_details(
            {
                "organisation": organisation,
                "contact_email": contact_email,
                "contact_phone": contact_phone,
                "sender_name": sender_name,
            }
        )
        found = create_programme(
            runtime.db,
            runtime.clock.now(),
            name,
            offsets,
            window_days,
            channel_policy=channels,
            reminder_days=reminder_days,
            details=details,
        )
    except ValueError:
        raise click.BadParameter(
            str(_l("--waves and --reminders take whole numbers such as 6,12,24"))
        ) from None
    except DetailsError as exc:
        raise click.ClickException(
            " ".join(f"--{name.replace('_', '-')}: {message}" for name, message in exc.errors.items())
        ) from None
    except ProgrammeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        _l(
            "Created %(name)s with waves at %(months)s months.",
            name=found.name,
            months=", ".join(map(str, sorted(offsets))),
        )
    )


@programme.command("list", help=_l("List the programmes with their waves, channels and participants."))
@with_appcontext
def programme_list() -> None:
    """List the programmes with their waves, channels and participants."""
    _connected()
    found = list_programmes()
    for summary in found:
        click.echo(
            _l(
                "%(name)s: waves at %(months)s months, %(channels)s, %(count)d participant(s)",
                name=summary.name,
                months=", ".join(map(str, summary.wave_months)),
                channels=summary.channel_policy,
                count=summary.participants,
            )
        )
    if not found:
        click.echo(_l("There are no programmes yet: followup programme create NAME creates one."))


@click.group(cls=Group, help=_l("Staff accounts."))
def users() -> None:
    """Staff accounts."""


@users.command("create", help=_l("Create a staff account and print a one-time link to set its password."))
@click.argument("email", metavar=_l("EMAIL"))
@option("--role", type=click.Choice(Role.NAMES), required=True, help=_l("admin, or a role in a programme."))
@option(
    "--programme",
    "programme_name",
    metavar=_l("NAME"),
    help=_l("The programme of a coordinator or evaluator."),
)
@option("--name", "display_name", default="", metavar=_l("NAME"), help=_l("The name shown to other staff."))
@with_appcontext
def users_create(email: str, role: str, programme_name: str | None, display_name: str) -> None:
    """Create a staff account and print a one-time link to set its password."""
    runtime = _connected()
    found = _programme(programme_name) if programme_name else None
    now = runtime.clock.now()
    try:
        with runtime.db.atomic():
            user = create_user(runtime.db, now, email, display_name, role, found)
            token = issue_link(runtime.db, now, user, OneTimeLink.SET_PASSWORD)
            record(
                runtime.db,
                now,
                "user.created",
                None,
                found,
                None,
                user_id=user.id,
                role=role,
                via="command line",
            )
    except (UserError, RoleError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        _l("Created %(name)s. Open this link within 7 days to set the password:", name=user.display_name)
    )
    click.echo(f"{current_app.config['BASE_URL']}/staff/password/{token}")


@users.command("list", help=_l("List the staff accounts and their roles."))
@with_appcontext
def users_list() -> None:
    """List the staff accounts and their roles."""
    _connected()
    for user in list_users():
        roles = ", ".join(
            r.name if r.programme_id is None else f"{r.name} ({r.programme.name})"
            for r in user.roles.order_by(Role.name)
        )
        state = "" if user.active else f" [{_l('inactive')}]"
        click.echo(f"{user.email}  {user.display_name}  {roles}{state}")


@click.group(cls=Group, help=_l("Former participants."))
def participants() -> None:
    """Former participants."""


@participants.command(
    "import", help=_l("Import participants from a CSV file; a programme that does not exist is created.")
)
@click.argument("file", type=click.Path(dir_okay=True, allow_dash=False), metavar=_l("FILE"))
@option("--programme", "programme_name", required=True, metavar=_l("NAME"), help=_l("The programme's name."))
@with_appcontext
def participants_import(file: str, programme_name: str) -> None:
    """Import participants from a CSV file; a programme that does not exist is created."""
    runtime = _connected()
    now = runtime.clock.now()
    raw = _read_file(file, MAX_FILE_BYTES + 1)
    try:
        if len(raw) > MAX_FILE_BYTES:
            raise ImportRejected(
                [(None, str(_l("The file is larger than %(mb)d MB.", mb=MAX_FILE_BYTES // 2**20)))]
            )
        rows = read_rows(raw, set(ACTIVITIES), now.astimezone(runtime.settings.zone).date())
        found, created, result = import_into_programme(
            runtime.db, now, programme_name, rows, runtime.settings.zone, runtime.settings.send_hour
        )
    except ProgrammeError as exc:
        raise click.ClickException(str(exc)) from None
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(f"{file}: {problem.describe()}", err=True)
        if exc.not_shown:
            click.echo(_l("... and %(count)d more problem(s).", count=exc.not_shown), err=True)
        raise click.ClickException(
            str(
                _l(
                    "Nothing was imported: %(count)d problem(s) to fix in %(file)s.",
                    count=exc.total,
                    file=file,
                )
            )
        ) from None
    if created:
        click.echo(
            _l(
                "Created %(name)s with waves at %(months)s months.",
                name=found.name,
                months=", ".join(str(w.offset_months) for w in found.waves),
            )
        )
    click.echo(
        _l(
            "Imported into %(name)s: %(created)d new, %(updated)d updated, %(unchanged)d unchanged; "
            "%(invitations)d invitations planned.",
            name=found.name,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            invitations=result.invitations,
        )
    )


def _read_file(path: str, limit: int) -> bytes:
    """Return up to `limit` bytes of the file, or stop with a message in the run's language."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except FileNotFoundError:
        message = _l("There is no file %(file)s.", file=path)
    except IsADirectoryError:
        message = _l("%(file)s is a folder, not a file.", file=path)
    except PermissionError:
        message = _l("You may not read %(file)s.", file=path)
    except OSError:
        message = _l("%(file)s cannot be read.", file=path)
    raise click.ClickException(str(message))


@click.command("tick", cls=Command, help=_l("Run one scheduler pass: plan, expire and send what is due."))
@option(
    "--at",
    "at",
    metavar=_l("MOMENT"),
    help=_l("Run as if it were this moment (ISO 8601, e.g. 2027-05-01T10:00+02:00)."),
)
@option("--dry-run", is_flag=True, help=_l("Only list what would be sent."))
@with_appcontext
def tick_command(at: str | None, dry_run: bool) -> None:
    """Run one scheduler pass: plan, expire and send what is due."""
    from followup.worker import run_tick

    _connected()
    clock = None
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter(
                str(_l("%(value)s is not an ISO 8601 moment such as 2027-05-01T10:00+02:00", value=at)),
                param_hint="--at",
            ) from None
        clock = FixedClock(moment if moment.tzinfo else moment.replace(tzinfo=_runtime().settings.zone))
    report = run_tick(current_app._get_current_object(), dry_run=dry_run, clock=clock)
    if dry_run:
        for code, months, kind, channel in report.would_send:
            click.echo(
                _l(
                    "would send: %(code)s  %(months)d months  %(kind)s by %(channel)s",
                    code=code,
                    months=months,
                    kind=_KINDS[kind],
                    channel=_CHANNELS[channel],
                )
            )
        click.echo(_l("%(count)d message(s) would be sent.", count=len(report.would_send)))
        if report.window_closed:
            click.echo(_l("The send window is closed at that moment: nothing goes out until it opens."))
        return
    click.echo(
        _l(
            "%(sent)d sent, %(failed)d failed, %(retried)d to retry, %(planned)d planned, "
            "%(expired)d expired, %(deleted)d contact record(s) deleted.",
            retried=report.retried,
            sent=report.sent,
            failed=report.failed,
            planned=report.planned,
            expired=report.expired,
            deleted=report.contacts_deleted,
        )
    )


@click.command(
    cls=Command,
    help=_l("Write every outcome table of a programme, disclosure-controlled, as CSV, XLSX or JSON."),
)
@option("--programme", "programme_name", required=True, metavar=_l("NAME"), help=_l("The programme's name."))
@option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    default="csv",
    show_default=True,
    help=_l("The file format."),
)
@option("--language", type=click.Choice(["sv", "en"]), default=None, help=_l("The language of the labels."))
@option("--separator", type=click.Choice([";", ","]), default=";", show_default=True, help=_l("CSV only."))
@option(
    "--out",
    "--output",
    "out",
    type=click.Path(allow_dash=True),
    default="-",
    metavar=_l("FILE"),
    help=_l("File to write (default: screen)."),
)
@with_appcontext
def report(programme_name: str, fmt: str, language: str | None, separator: str, out: str) -> None:
    """Write every outcome table of a programme, disclosure-controlled, as CSV, XLSX or JSON."""
    runtime = _connected()
    found = _programme(programme_name)
    config = current_app.config
    language = language or config["LANGUAGE"]
    assumptions = assumptions_for(found, config["SOCIAL_ASSISTANCE_NORM"], config["SOCIAL_ASSISTANCE_MONTHS"])
    made = make_report(runtime.db, found, runtime.clock.now(), config["SUPPRESSION_THRESHOLD"], assumptions)
    if fmt == "xlsx" and out == "-":
        raise click.ClickException(str(_l("An XLSX file needs --out FILE.")))
    try:
        if fmt == "xlsx":
            with open(out, "wb") as stream:
                write_xlsx(made, stream, language)
            return
        content = io.StringIO()
        if fmt == "json":
            content.write(as_json(made, language) + "\n")
        else:
            write_csv(made, content, language, separator)
        with click.open_file(out, "w", encoding="utf-8") as written:
            written.write(content.getvalue())
    except OSError:
        raise click.ClickException(str(_l("%(file)s cannot be written.", file=out))) from None


@click.command(
    cls=Command,
    help=_l("Write pseudonymised microdata for a research agreement (one file per grant), audited."),
)
@option(
    "--programme",
    "programme_names",
    required=True,
    multiple=True,
    metavar=_l("NAME"),
    help=_l("The programme's name (repeat for several)."),
)
@option("--grant", "reference", required=True, metavar=_l("REFERENCE"), help=_l("The agreement's reference."))
@option("--recipient", default="", metavar=_l("NAME"), help=_l("The organisation receiving the file."))
@option(
    "--agreed-on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    metavar=_l("YYYY-MM-DD"),
    help=_l("The date of the agreement."),
)
@option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help=_l("csv: a ZIP of the data and its codebook; xlsx: one workbook."),
)
@option("--language", type=click.Choice(["sv", "en"]), default=None, help=_l("The language of the labels."))
@option("--separator", type=click.Choice([";", ","]), default=";", show_default=True, help=_l("CSV only."))
@option("--replace", is_flag=True, help=_l("Replace the file already made for this grant."))
@option(
    "--out",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    metavar=_l("FILE"),
    help=_l("The file to write."),
)
@with_appcontext
def microdata(
    programme_names: tuple[str, ...],
    reference: str,
    recipient: str,
    agreed_on: datetime | None,
    fmt: str,
    language: str | None,
    separator: str,
    replace: bool,
    out: str,
) -> None:
    """Write pseudonymised microdata for a research agreement (one file per grant), audited."""
    runtime = _connected()
    config = current_app.config
    now = runtime.clock.now()
    found = [_programme(name) for name in dict.fromkeys(programme_names)]
    known = ResearchGrant.get_or_none(ResearchGrant.reference == " ".join(reference.split()))
    if known is None and (not recipient or agreed_on is None):
        raise click.ClickException(str(_l("A new grant needs --recipient and --agreed-on.")))
    part = Path(out + ".part")
    try:
        grant = record_grant(
            runtime.db,
            now,
            reference,
            recipient or known.recipient,
            agreed_on.date() if agreed_on else known.agreed_on,
            None,
        )
        wanted = MicrodataRequest(grant, found, fmt, language or config["LANGUAGE"], separator, replace)
        # Personal data: readable by the owner only, and in place only once the file is recorded.
        with open(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as stream:
            summary = export_microdata(
                runtime.db,
                now,
                runtime.settings.zone,
                wanted,
                stream,
                config["SUPPRESSION_THRESHOLD"],
                latest(runtime.surveys, "standard"),
                None,
            )
        part.replace(out)
    except MicrodataRefused as exc:
        part.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from None
    except OSError:
        part.unlink(missing_ok=True)
        raise click.ClickException(str(_l("%(file)s cannot be written.", file=out))) from None
    click.echo(
        _l(
            "Wrote %(file)s for grant %(reference)s (file %(number)d): %(persons)d people, %(rows)d rows.",
            file=out,
            reference=grant.reference,
            number=summary.file_number,
            persons=summary.persons,
            rows=summary.rows,
        )
    )


@click.command(cls=Command, help=_l("Run the web server and the scheduler together (the embedded default)."))
@option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar=_l("ADDRESS"),
    help=_l("The address to listen on."),
)
@option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(1, 65535),
    metavar=_l("PORT"),
    help=_l("The port to listen on."),
)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Run the web server and the scheduler together (the embedded default)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from followup.worker import schedule

    runtime = _connected()
    _log_ticks()
    app = current_app._get_current_object()
    url = served_address(host, port)
    if not app.config["BASE_URL_GIVEN"]:
        # Links in the messages this process sends lead to this server, not to the default port.
        app.config["BASE_URL"] = url
        runtime.settings = replace(
            runtime.settings,
            base_url=url,
            status_callback=f"{url}/webhooks/twilio/status" if runtime.settings.status_callback else None,
        )
        click.echo(
            _l(
                "FOLLOWUP_BASE_URL is not set: links in the messages sent from here lead to %(url)s. "
                "Set FOLLOWUP_BASE_URL to the address people open, and use the same for followup tick, "
                "worker and demo.",
                url=url,
            ),
            err=True,
        )
    try:
        scheduler = schedule(app, BackgroundScheduler(timezone=UTC))
        scheduler.start()
    except SchedulerBusy:
        scheduler = None
        click.echo(_l("Another scheduler is running for this database: serving pages only, sending nothing."))
    click.echo(
        _l(
            "followup is running at %(url)s (outbox: %(outbox)s)",
            url=f"{url}/",
            outbox=app.config["OUTBOX_PATH"],
        )
    )
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True, request_handler=QuietLinks)
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)


def served_address(host: str, port: int) -> str:
    """Return the address a browser on this machine opens to reach `followup serve --host --port`."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - every interface: this machine is one of them
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


BUSY = _l(
    "Another scheduler (followup worker or followup serve) is running for this database."
    " Only one may run at a time."
)


@click.command(cls=Command, help=_l("Run the scheduler alone, one pass at a time, until stopped."))
@with_appcontext
def worker() -> None:
    """Run the scheduler alone, one pass at a time, until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from followup.worker import schedule

    _connected()
    _log_ticks()
    app = current_app._get_current_object()
    try:
        scheduler = schedule(app, BlockingScheduler(timezone=UTC))
    except SchedulerBusy:
        raise click.ClickException(str(BUSY)) from None
    click.echo(
        _l(
            "followup worker: a tick every %(seconds)d seconds. Ctrl-C stops it.",
            seconds=app.config["TICK_SECONDS"],
        )
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.command(
    "status",
    cls=Command,
    help=_l("Show per wave what has been scheduled, sent, delivered, failed and answered."),
)
@option("--programme", "programme_name", required=True, metavar=_l("NAME"), help=_l("The programme's name."))
@with_appcontext
def status_command(programme_name: str) -> None:
    """Show per wave what has been scheduled, sent, delivered, failed and answered."""
    from followup.plan.status import wave_status

    _connected()
    found = _programme(programme_name)
    columns = ("scheduled", "sent", "delivered", "failed", "bounced", "opted_out", "answered", "expired")
    headings = [str(_l("months"))] + [str(_STATUS_HEADINGS[c]) for c in columns]
    click.echo("  ".join(f"{h:>10}" for h in headings))
    for row in wave_status(found.id):
        click.echo("  ".join(f"{v:>10}" for v in [row.months, *(getattr(row, c) for c in columns)]))


_KINDS = {"invitation": _l("invitation"), "reminder": _l("reminder")}
_CHANNELS = {"email": _l("email"), "sms": _l("sms")}

_STATUS_HEADINGS = {
    "scheduled": _l("scheduled"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "failed": _l("failed"),
    "bounced": _l("bounced"),
    "opted_out": _l("opted out"),
    "answered": _l("answered"),
    "expired": _l("expired"),
}


@click.command(
    "contacts",
    cls=Command,
    help=_l("List participants (by code) whose e-mail or phone does not work while a wave is open."),
)
@option("--programme", "programme_name", required=True, metavar=_l("NAME"), help=_l("The programme's name."))
@with_appcontext
def contacts_command(programme_name: str) -> None:
    """List participants (by code) whose e-mail or phone does not work while a wave is open."""
    from followup.plan.status import contacts_to_fix

    runtime = _connected()
    found = _programme(programme_name)
    problems = contacts_to_fix(found.id, runtime.clock.now())
    for problem in problems:
        since = problem.since.astimezone(runtime.settings.zone).date().isoformat() if problem.since else ""
        click.echo(f"{problem.code}  {_CHANNELS[problem.channel]}  {since}  {problem.problem}")
    click.echo(_l("%(count)d contact detail(s) to fix.", count=len(problems)))


def _log_ticks() -> None:
    """Show each scheduler pass's summary line (counts only: log lines never carry contact details)."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("followup").setLevel(logging.INFO)


class QuietLinks(WSGIRequestHandler):
    """The development server's request log, with link tokens cut out of the paths."""

    def log_request(self, code="-", size="-") -> None:
        self.requestline = LINK_TOKEN.sub(r"\1…", self.requestline)
        if hasattr(self, "path"):
            self.path = LINK_TOKEN.sub(r"\1…", self.path)
        super().log_request(code, size)


LINK_TOKEN = re.compile(r"(/[su]/)[A-Za-z0-9_-]+")

DEMO_PROGRAMME = "Demo (invented data)"


@click.command(
    cls=Command, help=_l("Create an invented programme whose surveys are due now, send them to the outbox.")
)
@with_appcontext
def demo() -> None:
    """Create an invented programme whose surveys are due now, send them to the outbox."""
    from followup.worker import run_tick

    runtime = _connected()
    now = runtime.clock.now()
    today = now.astimezone(runtime.settings.zone).date()
    try:
        programme_row = create_programme(runtime.db, now, DEMO_PROGRAMME)
    except ProgrammeError:
        raise click.ClickException(
            str(_l("The demo programme exists already: %(name)s", name=DEMO_PROGRAMME))
        ) from None
    # Exit dates a little over 6 months ago, so the 6-month wave fell due a few days ago.
    csv_lines = ["code,exit_date,email,phone,language,cohort,exit_activity,exit_social_assistance"]
    activities = ["job_seeking", "sick_leave", "labour_market_programme"]
    for n in range(1, 13):
        exit_date = add_months(today, -6) - timedelta(days=n % 5 + 1)
        language = "en" if n % 4 == 0 else "sv"
        contact = f"demo{n}@example.org," if n % 3 else f",+46 70-174 06{n:02d}"
        csv_lines.append(
            f"DEMO-{n:02d},{exit_date.isoformat()},{contact},{language},Grupp {1 + n % 2},"
            f"{activities[n % 3]},{'yes' if n % 2 else 'no'}"
        )
    rows = read_rows("\n".join(csv_lines).encode(), set(ACTIVITIES), today)
    import_participants(
        runtime.db, now, programme_row, rows, runtime.settings.zone, runtime.settings.send_hour
    )
    # The demo shows the outbox filling whatever the hour: it ignores the send window.
    report_ = run_tick(current_app._get_current_object(), settings=replace(runtime.settings, window=None))
    click.echo(
        _l(
            "Created %(name)s with 12 invented participants; %(sent)d messages are in the outbox:",
            name=DEMO_PROGRAMME,
            sent=report_.sent,
        )
    )
    click.echo(f"  {current_app.config['OUTBOX_PATH']}")
    link = _first_link(Path(current_app.config["OUTBOX_PATH"]))
    if link:
        click.echo(_l("Answer one survey in your browser (start followup serve first):"))
        click.echo(f"  {link}")


def _first_link(outbox: Path) -> str | None:
    sent = (
        Message.select(Message.provider_ref)
        .join(Message.invitation.rel_model)
        .join(Participant)
        .where(
            Message.state == Message.SENT,
            Message.channel == "sms",
            Participant.code.startswith("DEMO-"),
        )
        .first()
    )
    if sent is None:
        return None
    found = re.search(r"https?://\S+/s/[A-Za-z0-9_-]+", (outbox / sent.provider_ref).read_text())
    return found.group(0) if found else None
