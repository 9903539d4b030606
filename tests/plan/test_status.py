"""What staff see of one programme's follow-up beside another's: counts per wave, contacts to fix."""

from followup.models import Contact, Invitation, Message, Participant, Wave
from followup.plan.status import contacts_to_fix, wave_status
from followup.sending.queueing import message_row
from tests.factories import at, make_participants, make_programme

NOW = at(2026, 4, 1)


def fail(code: str, programme, email_problem=None, phone_problem=None, phone=False) -> None:
    person = Participant.get((Participant.code == code) & (Participant.programme == programme))
    changes = {Contact.email_failed_at: at(2026, 3, 20), Contact.email_problem: email_problem}
    if phone:
        changes = {**changes, Contact.phone_failed_at: at(2026, 3, 25), Contact.phone_problem: phone_problem}
    Contact.update(changes).where(Contact.participant == person).execute()


def test_only_this_programme_s_reachable_people_with_an_open_wave_and_a_failed_contact_are_listed(db):
    steget = make_programme(db, NOW, "Steget")
    other = make_programme(db, NOW, "Annat")
    # Every 6-month wave below is open on 1 April 2026 (due that day, 60 days to answer).
    codes = ("A5", "E", "D", "C", "B", "A")  # E's contact works
    rows = [
        f"{code},2025-10-01,{code.lower()}@example.org,+4670174060{n},sv," for n, code in enumerate(codes)
    ]
    make_participants(db, NOW, steget, rows)
    make_participants(db, NOW, other, ["A9,2025-10-01,a9@example.org,,sv,"])
    fail("A5", steget, email_problem="SMTP 550 5.1.1")  # listed
    fail(
        "A", steget, email_problem="SMTP 550", phone=True
    )  # listed twice: e-mail, then SMS (no reason given)
    fail("B", steget)  # opted out: nobody writes to them again
    Participant.update(opted_out_at=NOW).where(Participant.code == "B").execute()
    fail("C", steget)  # every follow-up answered
    Invitation.update(state=Invitation.ANSWERED).where(
        Invitation.participant == Participant.get(Participant.code == "C")
    ).execute()
    fail("D", steget)  # every follow-up closes at this very instant
    Invitation.update(expires_at=NOW).where(
        Invitation.participant == Participant.get(Participant.code == "D")
    ).execute()
    fail("A9", other)  # another programme's
    found = [(p.code, p.channel, p.problem, p.since) for p in contacts_to_fix(steget.id, NOW)]
    assert found == [
        ("A", "email", "SMTP 550", at(2026, 3, 20)),
        ("A", "sms", "", at(2026, 3, 25)),
        ("A5", "email", "SMTP 550 5.1.1", at(2026, 3, 20)),
    ]
    assert [p.code for p in contacts_to_fix(other.id, NOW)] == ["A9"]


def follow_up(code: str, months: int = 6) -> Invitation:
    return (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where((Participant.code == code) & (Wave.offset_months == months))
        .get()
    )


def went(code: str, state: str, *messages: tuple[int, str, str]) -> None:
    """Give the code's 6-month invitation `state` (sent once it has messages) and its messages."""
    invitation = follow_up(code)
    Invitation.update(state=state, sent_at=NOW if messages else None).where(
        Invitation.id == invitation.id
    ).execute()
    for sequence, channel, message_state in messages:
        Message.create(**{**message_row(invitation.id, sequence, channel, NOW), "state": message_state})


def test_each_wave_counts_its_invitations_by_what_happened_to_them(db):
    steget = make_programme(db, NOW, "Steget")
    other = make_programme(db, NOW, "Annat")
    rows = [f"S{n},2025-10-01,s{n}@example.org,+4670174061{n},sv," for n in range(1, 8)]
    make_participants(db, NOW, steget, rows)
    make_participants(db, NOW, other, ["S9,2025-10-01,s9@example.org,+46701740619,sv,"])
    went("S1", Invitation.SENT, (0, "email", Message.DELIVERED), (1, "email", Message.DELIVERED))
    went("S2", Invitation.SENT, (0, "email", Message.FAILED), (0, "sms", Message.SENT))
    went("S3", Invitation.SENT, (0, "email", Message.FAILED))
    went("S4", Invitation.ANSWERED, (0, "sms", Message.SENT))
    went("S5", Invitation.EXPIRED)
    went("S7", Invitation.SENT, (0, "email", Message.FAILED), (0, "sms", Message.DELIVERED))
    went("S9", Invitation.SENT, (0, "email", Message.FAILED))
    Message.create(**message_row(follow_up("S6").id, 0, "email", NOW))  # waiting: not failed
    Message.create(**{**message_row(follow_up("S3", 12).id, 0, "email", NOW), "state": Message.FAILED})
    # Bounces and opt-outs are the person's: they count in each of their waves.
    Contact.update(email_failed_at=NOW).where(
        Contact.email.in_(["s3@example.org", "s9@example.org"])
    ).execute()
    Contact.update(phone_failed_at=NOW).where(Contact.email == "s6@example.org").execute()
    Participant.update(sms_opted_out_at=NOW).where(Participant.code.in_(["S4", "S9"])).execute()
    Participant.update(opted_out_at=NOW).where(Participant.code == "S5").execute()
    Contact.delete().where(Contact.email == "s5@example.org").execute()  # still counted without them
    found = [tuple(vars(row).values()) for row in wave_status(steget.id)]
    # months, scheduled, sent, delivered, failed, bounced, opted out, answered, expired
    assert found == [
        (6, 1, 5, 2, 1, 2, 2, 1, 1),
        (12, 7, 0, 0, 1, 2, 2, 0, 0),
        (24, 7, 0, 0, 0, 2, 2, 0, 0),
    ]
