from datetime import date, timedelta

import pytest

from followup.answers.tokens import AlreadyAnswered, ExpiredToken, UnknownToken, issue, resolve
from followup.models import Invitation
from tests.factories import make_participant, make_programme

MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def token(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6])
    make_participant(db, clock.now(), programme, exit_date=date(2025, 7, 10))
    return issue(db, Invitation.get().id, clock.now())


def test_a_link_works_until_the_instant_its_window_closes(token):
    expires = Invitation.get().expires_at
    assert resolve(token, expires - MICROSECOND).id == Invitation.get().id
    for moment in (expires, expires + MICROSECOND):
        with pytest.raises(ExpiredToken):
            resolve(token, moment)


def test_an_expired_or_answered_invitation_says_so_before_its_window_closes(token, clock):
    Invitation.update(state=Invitation.EXPIRED).execute()
    with pytest.raises(ExpiredToken):
        resolve(token, clock.now())
    Invitation.update(state=Invitation.ANSWERED).execute()
    with pytest.raises(AlreadyAnswered):
        resolve(token, clock.now())
    # Answered stays answered after the window has closed, too.
    with pytest.raises(AlreadyAnswered):
        resolve(token, Invitation.get().expires_at)


def test_a_link_of_the_right_shape_but_unknown_is_unknown(token, clock):
    with pytest.raises(UnknownToken):
        resolve(token[:-1] + ("A" if token[-1] != "A" else "B"), clock.now())
    with pytest.raises(UnknownToken):
        resolve(token + "A", clock.now())
