import json
from datetime import timedelta

import pytest

from followup.answers import tokens
from followup.models import (
    AnswerPair,
    AuditEvent,
    Contact,
    Draft,
    Invitation,
    Message,
    Outcome,
    Participant,
    Programme,
    Quote,
    Response,
    Role,
    Token,
    Wave,
)
from followup.plan.participant_actions import resend_link
from followup.sending.queueing import insert_messages, resend_row
from followup.sending.quiet_hours import parse_window
from tests.badinput.conftest import unchanged  # noqa: F401  (the fixture)
from tests.factories import (
    LINK,
    STOCKHOLM,
    at,
    csrf_of,
    make_participants,
    make_programme,
    make_user,
    run_tick,
    sign_in,
)


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def steget(app, db, clock, outbox):
    """Steget with S1 (whose e-mail bounced) and S2; Basen with B1; Cora coordinates Steget."""
    programme = make_programme(db, clock.now(), "Steget")
    make_participants(
        db,
        clock.now(),
        programme,
        ["S1,2025-07-20,s1@example.org,070-174 06 06,sv,Grupp 1", "S2,2025-07-20,s2@example.org,,sv,Grupp 1"],
    )
    clock.set(at(2026, 1, 21))
    run_tick(app, db, clock.now())
    Contact.update(
        email_failed_at=clock.now(), email_problem="550 no such user", phone_failed_at=clock.now()
    ).where(Contact.participant == Participant.get(Participant.code == "S1")).execute()
    basen = make_programme(db, clock.now(), "Basen")
    make_participants(db, clock.now(), basen, ["B1,2025-07-20,b1@example.org,,sv,Grupp 1"])
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme)
    make_user(db, clock.now(), "bert@example.org", Role.COORDINATOR, basen)
    make_user(db, clock.now(), "eva@example.org", Role.EVALUATOR, programme)
    return programme


def client_of(app, email):
    client = app.test_client()
    sign_in(client, email)
    return client


@pytest.fixture
def cora(app, steget):
    return client_of(app, "cora@example.org")


def contact(code):
    return Contact.select().join(Participant).where(Participant.code == code).get()


def change(client, programme_id, code, field, value, token=None):
    token = token or csrf_of(client.get(f"/staff/programmes/{programme_id}/participants/S2"))
    return client.post(
        f"/staff/programmes/{programme_id}/participants/{code}/contact/change",
        data={"csrf_token": token, "field": field, "value": value},
    )


def test_a_corrected_email_is_stored_its_mark_cleared_and_audited_without_it(cora, steget):
    response = change(cora, steget.id, "S1", "email", " New.S1@Example.org ")
    assert response.status_code == 303
    stored = contact("S1")
    assert stored.email == "new.s1@example.org"
    assert stored.email_failed_at is None and stored.email_problem is None
    assert stored.phone_failed_at is not None  # the other channel's mark stays
    event = AuditEvent.get(AuditEvent.action == "contact.changed")
    assert event.programme_id == steget.id and event.participant_code == "S1"
    assert json.loads(event.details) == {"field": "email"}
    assert "example.org" not in event.details
    page = cora.get(response.headers["Location"]).get_data(as_text=True)
    assert "The contact details are corrected." in page and "n***@example.org" in page


def test_a_corrected_phone_is_stored_in_e164_and_its_mark_cleared(cora, steget):
    assert change(cora, steget.id, "S1", "phone", "070-174 06 05").status_code == 303
    stored = contact("S1")
    assert stored.phone == "+46701740605" and stored.phone_failed_at is None
    assert stored.email_failed_at is not None
    assert json.loads(AuditEvent.get(AuditEvent.action == "contact.changed").details) == {"field": "phone"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-address", "The e-mail address is not valid"),
        ("email", "", "This field is required."),
        ("phone", "08-123 456 78", "landline"),
        ("phone", "070 abc", "only digits"),
        ("address", "s1@example.org", "Not a valid choice."),
    ],
)
def test_invalid_contact_changes_nothing_and_says_why(cora, db, steget, unchanged, field, value, message):  # noqa: F811
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    with unchanged(db):
        response = change(cora, steget.id, "S1", field, value, token)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_another_programmes_participant_is_404(cora, db, steget, unchanged):  # noqa: F811
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    with unchanged(db):
        assert change(cora, steget.id, "B1", "email", "x@example.org", token).status_code == 404
        assert change(cora, steget.id, "NOPE", "email", "x@example.org", token).status_code == 404


def test_a_coordinator_of_another_programme_finds_nothing(app, db, steget, unchanged):  # noqa: F811
    bert = client_of(app, "bert@example.org")
    token = csrf_of(bert.get("/staff/sign-in"))
    with unchanged(db):
        assert change(bert, steget.id, "S1", "email", "x@example.org", token).status_code == 404


def test_an_evaluator_is_refused(app, db, steget, unchanged):  # noqa: F811
    eva = client_of(app, "eva@example.org")
    token = csrf_of(eva.get("/staff/sign-in"))
    with unchanged(db):
        assert change(eva, steget.id, "S1", "email", "x@example.org", token).status_code in (403, 404)


def test_a_forged_csrf_token_is_400(cora, db, steget, unchanged):  # noqa: F811
    with unchanged(db):
        assert change(cora, steget.id, "S1", "email", "x@example.org", "forged").status_code == 400


def opt_out(client, programme_id, code, token=None):
    token = token or csrf_of(client.get(f"/staff/programmes/{programme_id}/participants/S2"))
    return client.post(
        f"/staff/programmes/{programme_id}/participants/{code}/opt-out", data={"csrf_token": token}
    )


def test_an_opt_out_asked_for_by_phone_stops_messages_and_deletes_drafts(cora, clock, steget):
    s1 = Participant.get(Participant.code == "S1")
    invitation = Invitation.select().where(Invitation.participant == s1).order_by(Invitation.due_at).first()
    Draft.create(invitation=invitation, answers="{}", updated_at=clock.now())
    Message.create(
        invitation=invitation, key="test-reminder", kind="reminder", channel="email", created_at=clock.now()
    )
    response = opt_out(cora, steget.id, "S1")
    assert response.status_code == 303
    s1 = Participant.get(Participant.code == "S1")
    assert s1.opted_out_at == clock.now() and s1.opted_out_channel == "phone"
    assert Message.get(Message.key == "test-reminder").state == Message.CANCELLED
    assert not Draft.select().where(Draft.invitation == invitation).exists()
    assert Participant.get(Participant.code == "S2").opted_out_at is None
    event = AuditEvent.get(AuditEvent.action == "participant.opted_out")
    assert event.programme_id == steget.id and event.participant_code == "S1"
    page = cora.get(response.headers["Location"]).get_data(as_text=True)
    assert "The opt-out is recorded" in page and "Record the opt-out" not in page
    assert opt_out(cora, steget.id, "S1").status_code == 303
    assert AuditEvent.select().where(AuditEvent.action == "participant.opted_out").count() == 1


def test_an_opt_out_elsewhere_or_forged_changes_nothing(app, cora, db, steget, unchanged):  # noqa: F811
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    bert, eva = client_of(app, "bert@example.org"), client_of(app, "eva@example.org")
    with unchanged(db):
        assert opt_out(cora, steget.id, "B1", token).status_code == 404
        assert opt_out(cora, steget.id, "S1", "forged").status_code == 400
        assert opt_out(bert, steget.id, "S1", csrf_of(bert.get("/staff/sign-in"))).status_code == 404
        assert opt_out(eva, steget.id, "S1", csrf_of(eva.get("/staff/sign-in"))).status_code in (403, 404)


def erase(client, programme_id, code, typed, token=None):
    token = token or csrf_of(client.get(f"/staff/programmes/{programme_id}/participants/S2"))
    return client.post(
        f"/staff/programmes/{programme_id}/participants/{code}/erase",
        data={"csrf_token": token, "code": typed},
    )


def kept_for(participant_id):
    invitations = Invitation.select(Invitation.id).where(Invitation.participant == participant_id)
    counts = {
        model.__name__: model.select().where(model.invitation.in_(invitations)).count()
        for model in (Token, Message, Draft, Outcome, Response)
    }
    counts["Quote"] = Quote.select().join(Response).where(Response.invitation.in_(invitations)).count()
    outcomes = Outcome.select(Outcome.id).where(Outcome.invitation.in_(invitations))
    counts["AnswerPair"] = AnswerPair.select().where(AnswerPair.earlier.in_(outcomes)).count()
    counts["Invitation"] = invitations.count()
    counts["Contact"] = Contact.select().where(Contact.participant == participant_id).count()
    counts["Participant"] = Participant.select().where(Participant.id == participant_id).count()
    return counts


def test_erasing_removes_everything_kept_about_the_participant_and_only_them(cora, clock, steget):
    s1, s2 = Participant.get(Participant.code == "S1"), Participant.get(Participant.code == "S2")
    invitation = Invitation.select().where(Invitation.participant == s1).order_by(Invitation.due_at).first()
    Draft.create(invitation=invitation, answers="{}", updated_at=clock.now())
    for person in (s1, s2):
        # Each one's comment waits for review as a quote: erasing S1 takes S1's quote, not S2's.
        first = (
            Invitation.select().where(Invitation.participant == person).order_by(Invitation.due_at).first()
        )
        answered = Response.create(
            invitation=first, survey="standard", survey_version=3, submitted_at=clock.now(), answers="{}"
        )
        Quote.create(response=answered, programme=steget, wave=first.wave_id, submitted_text=person.code)
    # Two answered waves, so a pair of them too.
    first, second = Invitation.select().where(Invitation.participant == s1).order_by(Invitation.due_at)[:2]
    earlier, later = (
        Outcome.create(invitation=i, who5=60, wave=i.wave_id, language="sv") for i in (first, second)
    )
    AnswerPair.create(
        earlier=earlier, later=later, first_wave=first.wave_id, second_wave=second.wave_id, change=0
    )
    before = kept_for(s1.id)
    assert all(before.values()), before  # every kind of row exists, so its removal is tested
    others = kept_for(s2.id)
    response = erase(cora, steget.id, "S1", " S1 ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/programmes/{steget.id}/participants")
    assert not any(kept_for(s1.id).values())
    assert kept_for(s2.id) == others and others["Quote"] == 1
    assert [q.submitted_text for q in Quote.select()] == ["S2"]
    event = AuditEvent.get(AuditEvent.action == "participant.erased")
    assert event.programme_id == steget.id and event.participant_code == "S1"
    assert json.loads(event.details) == {}
    page = cora.get(response.headers["Location"]).get_data(as_text=True)
    assert "Participant S1 and everything kept about them are erased." in page
    assert cora.get(f"/staff/programmes/{steget.id}/participants/S1").status_code == 404


def test_erasing_needs_the_right_code_and_the_right_programme(app, cora, db, steget, unchanged):  # noqa: F811
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    bert, eva = client_of(app, "bert@example.org"), client_of(app, "eva@example.org")
    with unchanged(db):
        wrong = erase(cora, steget.id, "S1", "S2", token)
        assert wrong.status_code == 400
        assert "The code typed is not this participant" in wrong.get_data(as_text=True)
        assert erase(cora, steget.id, "S1", "", token).status_code == 400
        assert erase(cora, steget.id, "B1", "B1", token).status_code == 404
        assert erase(cora, steget.id, "S1", "S1", "forged").status_code == 400
        assert erase(bert, steget.id, "S1", "S1", csrf_of(bert.get("/staff/sign-in"))).status_code == 404
        assert erase(eva, steget.id, "S1", "S1", csrf_of(eva.get("/staff/sign-in"))).status_code in (403, 404)


def language(client, programme_id, code, value, token=None):
    token = token or csrf_of(client.get(f"/staff/programmes/{programme_id}/participants/S2"))
    return client.post(
        f"/staff/programmes/{programme_id}/participants/{code}/language",
        data={"csrf_token": token, "language": value},
    )


def test_the_language_changes_and_is_audited(cora, steget):
    response = language(cora, steget.id, "S1", "en")
    assert response.status_code == 303
    assert Participant.get(Participant.code == "S1").language == "en"
    assert Participant.get(Participant.code == "S2").language == "sv"
    event = AuditEvent.get(AuditEvent.action == "participant.language_changed")
    assert event.programme_id == steget.id and event.participant_code == "S1"
    assert json.loads(event.details) == {"language": "en"}
    assert "The language is saved." in cora.get(response.headers["Location"]).get_data(as_text=True)


def test_a_language_elsewhere_unknown_or_forged_changes_nothing(app, cora, db, steget, unchanged):  # noqa: F811
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    bert, eva = client_of(app, "bert@example.org"), client_of(app, "eva@example.org")
    with unchanged(db):
        assert language(cora, steget.id, "S1", "de", token).status_code == 400
        assert language(cora, steget.id, "B1", "en", token).status_code == 404
        assert language(cora, steget.id, "S1", "en", "forged").status_code == 400
        assert language(bert, steget.id, "S1", "en", csrf_of(bert.get("/staff/sign-in"))).status_code == 404
        assert language(eva, steget.id, "S1", "en", csrf_of(eva.get("/staff/sign-in"))).status_code in (
            403,
            404,
        )


def resend(client, programme_id, code, months, token=None):
    token = token or csrf_of(client.get(f"/staff/programmes/{programme_id}/participants/S2"))
    return client.post(
        f"/staff/programmes/{programme_id}/participants/{code}/resend",
        data={"csrf_token": token, "months": months},
    )


def invitation_of(code, months):
    return (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where((Participant.code == code) & (Wave.offset_months == months))
        .get()
    )


def links_to(outbox, address):
    return [
        LINK.search(e.get_body(("plain",)).get_content()).group(0)
        for e in outbox.emails()
        if e["To"] == address
    ]


def test_a_fresh_link_is_queued_sent_by_the_scheduler_and_audited(app, cora, db, clock, outbox, steget):
    page = cora.get(f"/staff/programmes/{steget.id}/participants/S2").get_data(as_text=True)
    assert "Send a fresh link for the 6-month follow-up" in page
    assert "12-month" not in page  # not open yet
    [first_link] = links_to(outbox, "s2@example.org")
    response = resend(cora, steget.id, "S2", 6)
    assert response.status_code == 303
    invitation = invitation_of("S2", 6)
    [queued] = Message.select().where((Message.invitation == invitation) & (Message.kind == "resend"))
    assert (queued.state, queued.channel, queued.created_at) == (Message.PENDING, "email", clock.now())
    event = AuditEvent.get(AuditEvent.action == "participant.link_resent")
    assert event.programme_id == steget.id and event.participant_code == "S2"
    assert json.loads(event.details) == {"months": 6, "channels": ["email"]}
    assert "example.org" not in event.details
    page = cora.get(response.headers["Location"]).get_data(as_text=True)
    assert "A fresh link for the 6-month follow-up is queued to go out" in page
    assert "<td>Fresh link</td><td>e-mail</td><td>Waiting to go out</td>" in page

    # The scheduler sends it as any message: a new link that opens the survey; the old one still works.
    run_tick(app, db, clock.now())
    links = links_to(outbox, "s2@example.org")
    assert len(links) == len(set(links)) == 2 and first_link in links
    for link in links:
        assert tokens.resolve(link.rsplit("/", 1)[1], clock.now()).id == invitation.id
    assert Message.get_by_id(queued.id).state == Message.SENT
    assert Invitation.get_by_id(invitation.id).state == Invitation.SENT
    assert "<td>Fresh link</td><td>e-mail</td><td>Sent</td>" in cora.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_a_second_click_does_not_send_twice(app, cora, db, clock, outbox, steget):
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S2"))
    assert resend(cora, steget.id, "S2", 6, token).status_code == 303
    with unchanged_messages():
        waiting = resend(cora, steget.id, "S2", 6, token)
    assert waiting.status_code == 400
    assert "already waiting to go out" in waiting.get_data(as_text=True)
    run_tick(app, db, clock.now())
    clock.set(clock.now() + timedelta(minutes=9))
    with unchanged_messages():
        soon = resend(cora, steget.id, "S2", 6, token)
    assert soon.status_code == 400
    assert "less than 10 minutes ago" in soon.get_data(as_text=True)
    clock.set(clock.now() + timedelta(minutes=2))
    assert resend(cora, steget.id, "S2", 6, token).status_code == 303
    assert AuditEvent.select().where(AuditEvent.action == "participant.link_resent").count() == 2
    assert Message.select().where(Message.kind == "resend").count() == 2


class unchanged_messages:  # noqa: N801 (used as a context manager, read as a phrase)
    def __enter__(self):
        self.before = [(m.key, m.state) for m in Message.select().order_by(Message.id)]
        self.events = AuditEvent.select().count()

    def __exit__(self, *exc):
        assert [(m.key, m.state) for m in Message.select().order_by(Message.id)] == self.before
        assert AuditEvent.select().count() == self.events


def test_the_same_stretch_of_time_makes_one_message_even_if_two_clicks_race(db, clock, steget):
    s2 = Participant.get(Participant.code == "S2")
    assert resend_link(db, clock.now(), s2, 6) == ["email"]
    # A concurrent click that passed its checks before the first was stored: the key holds.
    insert_messages(db, [resend_row(invitation_of("S2", 6).id, "email", clock.now() + timedelta(minutes=1))])
    assert Message.select().where(Message.kind == "resend").count() == 1


def test_quiet_hours_hold_a_fresh_link_until_the_window_opens(app, db, clock, outbox, steget):
    clock.set(at(2026, 1, 24, 21))  # a Saturday evening, Stockholm
    cora = client_of(app, "cora@example.org")
    assert resend(cora, steget.id, "S2", 6).status_code == 303
    weekdays = parse_window("mon-fri", "09-17", "SE", STOCKHOLM)
    assert run_tick(app, db, clock.now(), window=weekdays).window_closed
    assert len(links_to(outbox, "s2@example.org")) == 1
    clock.set(at(2026, 1, 26, 9))
    run_tick(app, db, clock.now(), window=weekdays)
    assert len(links_to(outbox, "s2@example.org")) == 2


def test_the_channel_policy_and_the_not_working_marks_choose_the_channel(app, cora, db, clock, steget):
    # S1's e-mail bounced and its phone failed: nothing to send to.
    refused = resend(cora, steget.id, "S1", 6)
    assert refused.status_code == 400
    assert "No working e-mail address or phone number" in refused.get_data(as_text=True)
    assert not Message.select().where(Message.kind == "resend").exists()
    # With the phone corrected, e-mail then SMS sends it by SMS; with the e-mail too, by e-mail.
    assert change(cora, steget.id, "S1", "phone", "070-174 06 07").status_code == 303
    assert resend(cora, steget.id, "S1", 6).status_code == 303
    assert [m.channel for m in Message.select().where(Message.kind == "resend")] == ["sms"]
    Programme.update(channel_policy=Programme.BOTH).where(Programme.id == steget.id).execute()
    assert change(cora, steget.id, "S1", "email", "s1.new@example.org").status_code == 303
    run_tick(app, db, clock.now())
    clock.set(clock.now() + timedelta(minutes=11))
    assert resend(cora, steget.id, "S1", 6).status_code == 303
    assert json.loads(AuditEvent.select().order_by(AuditEvent.id.desc()).first().details)["channels"] == [
        "email",
        "sms",
    ]


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("answered", "answered already"),
        ("declined", "chose to skip"),
        ("closed", "has closed"),
        ("expired", "has closed"),
        ("opted_out", "has opted out"),
        ("not_open", "has not opened yet"),
        ("no_wave", "has no 9-month follow-up"),
    ],
)
def test_a_fresh_link_is_refused_when_it_would_not_help(
    app,
    db,
    clock,
    steget,
    unchanged,  # noqa: F811
    situation,
    message,
):
    invitation, months = invitation_of("S2", 6), 6
    if situation in ("answered", "declined", "expired"):
        Invitation.update(state=situation).where(Invitation.id == invitation.id).execute()
    elif situation == "closed":
        clock.set(invitation.expires_at)  # from that instant it is closed
    elif situation == "opted_out":
        Participant.update(opted_out_at=clock.now()).where(Participant.code == "S2").execute()
    months = {"not_open": 12, "no_wave": 9}.get(situation, months)
    cora = client_of(app, "cora@example.org")  # signed in as of the clock
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    with unchanged(db):
        response = resend(cora, steget.id, "S2", months, token)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    if situation not in ("no_wave", "not_open"):
        assert "Send a fresh link for the 6-month follow-up" not in response.get_data(as_text=True)


def test_an_invitation_that_has_not_gone_out_is_left_to_the_scheduler(app, db, clock, steget, unchanged):  # noqa: F811
    make_participants(db, clock.now(), steget, ["S3,2025-07-21,s3@example.org,,sv,Grupp 1"])
    clock.set(invitation_of("S3", 6).due_at)
    cora = client_of(app, "cora@example.org")
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    with unchanged(db):
        response = resend(cora, steget.id, "S3", 6, token)
    assert response.status_code == 400
    assert "has not gone out yet" in response.get_data(as_text=True)


def test_a_fresh_link_elsewhere_forged_or_without_a_wave_changes_nothing(app, cora, db, steget, unchanged):  # noqa: F811
    token = csrf_of(cora.get(f"/staff/programmes/{steget.id}/participants/S1"))
    bert, eva = client_of(app, "bert@example.org"), client_of(app, "eva@example.org")
    with unchanged(db):
        assert resend(cora, steget.id, "B1", 6, token).status_code == 404
        assert resend(cora, steget.id, "NOPE", 6, token).status_code == 404
        assert resend(cora, steget.id, "S2", 6, "forged").status_code == 400
        assert resend(cora, steget.id, "S2", "", token).status_code == 400
        assert resend(cora, steget.id, "S2", "sex", token).status_code == 400
        assert resend(bert, steget.id, "S2", 6, csrf_of(bert.get("/staff/sign-in"))).status_code == 404
        assert resend(eva, steget.id, "S2", 6, csrf_of(eva.get("/staff/sign-in"))).status_code in (403, 404)
