"""What the sender checks when it picks a message up: things change between queueing and sending."""

from datetime import timedelta

from followup.clock import FixedClock
from followup.models import Contact, Invitation, Message, Participant, Programme
from followup.sending.composing import compose
from followup.sending.delivery import Senders
from followup.sending.dispatch import tick
from followup.sending.queueing import insert_messages, invitation_messages
from tests.factories import Watched, at, make_participants, make_programme, outbox_senders, settings

NOW = at(2026, 1, 21)


def people(db, rows, policy=Programme.BOTH):
    programme = make_programme(db, NOW)
    Programme.update(channel_policy=policy).execute()
    make_participants(db, NOW, programme, rows)


def of(code):
    return Participant.get(code=code).id


def messages():
    found = Message.select().join(Invitation).join(Participant).order_by(Participant.code, Message.channel)
    return [(m.invitation.participant.code, m.channel, m.state, m.error) for m in found]


def test_whoever_may_no_longer_get_a_queued_message_is_not_sent_it(app, db, outbox):
    people(
        db,
        [
            f"{code},2025-07-20,{code.lower()}@example.org,07017406{n:02},sv,G"
            for n, code in enumerate(("K1", "A1", "C1", "G1", "N1", "O1", "S1"))
        ],
    )
    insert_messages(db, invitation_messages(NOW))
    # Between queueing and sending (K1's e-mail goes first): A1 answers, O1 opts out of everything
    # and S1 of SMS, N1's number and G1's contact details are deleted, and C1's window closes a
    # minute into the tick.
    Invitation.update(state=Invitation.ANSWERED).where(Invitation.participant == of("A1")).execute()
    Participant.update(opted_out_at=NOW).where(Participant.id == of("O1")).execute()
    Participant.update(sms_opted_out_at=NOW).where(Participant.id == of("S1")).execute()
    Contact.update(phone=None).where(Contact.participant == of("N1")).execute()
    Contact.delete().where(Contact.participant == of("G1")).execute()
    Invitation.update(expires_at=NOW + timedelta(minutes=1)).where(
        Invitation.participant == of("C1")
    ).execute()
    clock = FixedClock(NOW)

    def a_minute_passes(*_, **__):
        clock.set(NOW + timedelta(minutes=1))

    real = outbox_senders(app)
    senders = Senders(email=Watched(real.email, a_minute_passes), sms=real.sms)
    with app.app_context():
        report = tick(db, clock, senders, compose, settings())
    held = [(code, channel, "cancelled", None) for code in ("A1", "C1") for channel in ("email", "sms")]
    assert messages() == [
        *held,
        ("G1", "email", "cancelled", "no address"),
        ("G1", "sms", "cancelled", "no address"),
        ("K1", "email", "sent", None),
        ("K1", "sms", "sent", None),
        ("N1", "email", "sent", None),
        ("N1", "sms", "cancelled", "no address"),
        ("O1", "email", "cancelled", None),
        ("O1", "sms", "cancelled", None),
        ("S1", "email", "sent", None),
        ("S1", "sms", "cancelled", None),
    ]
    assert (report.sent, report.cancelled) == (4, 10)
    assert len(outbox.emails()) == 3 and len(outbox.sms()) == 1
