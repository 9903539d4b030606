from datetime import timedelta

from followup.accounts.sessions import (
    end_session,
    end_sessions_of,
    find_session,
    mark_verified,
    start_session,
)
from followup.accounts.users import create_user
from followup.models import Role

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


def two_people(db, clock):
    anna = create_user(db, clock.now(), "anna@example.org", "Anna", Role.ADMIN)
    bo = create_user(db, clock.now(), "bo@example.org", "Bo", Role.ADMIN)
    return anna, bo


def test_a_session_idle_for_exactly_the_idle_time_still_works(db, clock):
    anna, _ = two_people(db, clock)
    token = start_session(db, clock.now(), anna, verified=True)
    assert find_session(db, clock.now() + IDLE, token, IDLE, LIFETIME)
    token = start_session(db, clock.now(), anna, verified=True)
    assert find_session(db, clock.now() + IDLE + timedelta(microseconds=1), token, IDLE, LIFETIME) is None


def test_a_visit_a_minute_after_the_last_one_counts_as_activity(db, clock):
    anna, _ = two_people(db, clock)
    token = start_session(db, clock.now(), anna, verified=True)
    assert find_session(db, clock.now() + timedelta(minutes=1), token, IDLE, LIFETIME)
    assert find_session(db, clock.now() + timedelta(minutes=31), token, IDLE, LIFETIME)


def test_one_persons_activity_keeps_only_their_own_session_alive(db, clock):
    anna, bo = two_people(db, clock)
    annas = start_session(db, clock.now(), anna, verified=True)
    bos = start_session(db, clock.now(), bo, verified=True)
    for minutes in (20, 40):
        assert find_session(db, clock.now() + timedelta(minutes=minutes), annas, IDLE, LIFETIME)
    assert find_session(db, clock.now() + timedelta(minutes=40), bos, IDLE, LIFETIME) is None


def test_passing_the_second_factor_verifies_that_session_only(db, clock):
    anna, bo = two_people(db, clock)
    annas = start_session(db, clock.now(), anna, verified=False)
    bos = start_session(db, clock.now(), bo, verified=False)
    held = find_session(db, clock.now(), annas, IDLE, LIFETIME)
    mark_verified(db, clock.now(), held)
    # The rest of this request sees the session verified, and so do the next requests.
    assert held.verified_at == clock.now()
    assert find_session(db, clock.now(), annas, IDLE, LIFETIME).verified_at == clock.now()
    assert find_session(db, clock.now(), bos, IDLE, LIFETIME).verified_at is None


def test_signing_out_ends_ones_own_session_only(db, clock):
    anna, bo = two_people(db, clock)
    annas = start_session(db, clock.now(), anna, verified=True)
    bos = start_session(db, clock.now(), bo, verified=True)
    end_session(db, find_session(db, clock.now(), annas, IDLE, LIFETIME))
    assert find_session(db, clock.now(), annas, IDLE, LIFETIME) is None
    assert find_session(db, clock.now(), bos, IDLE, LIFETIME)


def test_signing_someone_out_everywhere_leaves_the_others_signed_in(db, clock):
    anna, bo = two_people(db, clock)
    annas = [start_session(db, clock.now(), anna, verified=True) for _ in range(2)]
    bos = start_session(db, clock.now(), bo, verified=True)
    end_sessions_of(db, anna)
    assert [find_session(db, clock.now(), token, IDLE, LIFETIME) for token in annas] == [None, None]
    assert find_session(db, clock.now(), bos, IDLE, LIFETIME)
