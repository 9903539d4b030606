from datetime import timedelta

import pytest

from followup.accounts.links import LinkInvalid, find_link, issue_link, use_link
from followup.accounts.roles import RoleError, grant_role, is_admin, may, programmes_for
from followup.accounts.sessions import end_session, find_session, start_session
from followup.accounts.users import UserError, create_user, set_active, set_password
from followup.models import OneTimeLink, Role, StaffSession
from tests.factories import make_programme

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


def test_a_user_is_made_with_a_role_and_no_password(db, clock):
    user = create_user(db, clock.now(), " Anna@Example.org ", "Anna", Role.ADMIN)
    assert user.email == "anna@example.org"
    assert user.password_hash is None and user.active
    assert is_admin(user)


def test_the_same_address_twice_is_refused(db, clock):
    create_user(db, clock.now(), "anna@example.org", "", Role.ADMIN)
    with pytest.raises(UserError):
        create_user(db, clock.now(), "ANNA@example.org", "", Role.ADMIN)


@pytest.mark.parametrize("email", ["", "anna", "anna@localhost", "an na@example.org"])
def test_something_that_is_not_an_address_is_refused(db, clock, email):
    with pytest.raises(UserError):
        create_user(db, clock.now(), email, "", Role.ADMIN)


def test_roles_are_per_programme(db, clock):
    steget = make_programme(db, clock.now(), "Steget")
    fram = make_programme(db, clock.now(), "Steget Fram")
    user = create_user(db, clock.now(), "c@example.org", "C", Role.COORDINATOR, steget)
    grant_role(db, user, Role.EVALUATOR, fram)
    grant_role(db, user, Role.EVALUATOR, fram)
    assert Role.select().where(Role.user == user).count() == 2
    assert may(user, Role.COORDINATOR, steget.id)
    assert not may(user, Role.COORDINATOR, fram.id)
    assert may(user, Role.EVALUATOR, fram.id)
    assert not may(user, Role.ADMIN)
    assert [p.name for p in programmes_for(user, Role.COORDINATOR)] == ["Steget"]
    with pytest.raises(RoleError):
        grant_role(db, user, Role.COORDINATOR)
    with pytest.raises(RoleError):
        grant_role(db, user, "owner", steget)


def test_an_admin_sees_every_programme(db, clock):
    make_programme(db, clock.now(), "B")
    make_programme(db, clock.now(), "A")
    admin = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    assert [p.name for p in programmes_for(admin, Role.COORDINATOR)] == ["A", "B"]
    assert may(admin, Role.COORDINATOR, 12345)
    assert not may(admin, Role.EVALUATOR, 12345)


def test_a_link_works_once(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = issue_link(db, clock.now(), user, OneTimeLink.SET_PASSWORD)
    assert OneTimeLink.get().token_hash != token  # stored hashed
    assert find_link(clock.now(), token).user.id == user.id
    assert use_link(db, clock.now(), token).id == user.id
    with pytest.raises(LinkInvalid):
        use_link(db, clock.now(), token)


def test_a_reset_link_expires_after_an_hour(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = issue_link(db, clock.now(), user, OneTimeLink.RESET)
    find_link(clock.now() + timedelta(minutes=59), token)
    with pytest.raises(LinkInvalid):
        find_link(clock.now() + timedelta(minutes=61), token)


def test_a_newer_link_retires_the_older_one(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    first = issue_link(db, clock.now(), user, OneTimeLink.RESET)
    second = issue_link(db, clock.now(), user, OneTimeLink.RESET)
    with pytest.raises(LinkInvalid):
        find_link(clock.now(), first)
    find_link(clock.now(), second)


def test_an_unknown_link_or_an_inactive_user_gets_nothing(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = issue_link(db, clock.now(), user, OneTimeLink.RESET)
    with pytest.raises(LinkInvalid):
        find_link(clock.now(), "made-up")
    set_active(db, user, False)
    with pytest.raises(LinkInvalid):
        find_link(clock.now(), token)


def test_sessions_time_out_when_idle_and_at_their_lifetime(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    set_password(db, user, "lingonberry harbour 41")
    start = clock.now()
    token = start_session(db, start, user, verified=True)
    assert find_session(db, start + timedelta(minutes=29), token, IDLE, LIFETIME)
    assert find_session(db, start + timedelta(minutes=58), token, IDLE, LIFETIME)
    assert find_session(db, start + timedelta(minutes=89), token, IDLE, LIFETIME) is None
    assert StaffSession.select().count() == 0

    token = start_session(db, start, user, verified=True)
    moment = start
    while moment < start + timedelta(hours=11, minutes=50):
        moment += timedelta(minutes=20)
        assert find_session(db, moment, token, IDLE, LIFETIME)
    assert find_session(db, start + timedelta(hours=12, minutes=1), token, IDLE, LIFETIME) is None


def test_ending_a_session_ends_it_on_the_server(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = start_session(db, clock.now(), user, verified=True)
    session = find_session(db, clock.now(), token, IDLE, LIFETIME)
    end_session(db, session)
    assert find_session(db, clock.now(), token, IDLE, LIFETIME) is None


def test_deactivating_a_user_ends_their_sessions(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = start_session(db, clock.now(), user, verified=True)
    set_active(db, user, False)
    assert find_session(db, clock.now(), token, IDLE, LIFETIME) is None
