from datetime import timedelta

import pytest

from followup.accounts.links import LinkInvalid, find_link, issue_link, use_link
from followup.accounts.passwords import verify_password
from followup.accounts.roles import RoleError, grant_role, is_admin, may, programmes_for
from followup.accounts.sessions import end_session, find_session, start_session
from followup.accounts.users import UserError, create_user, find_user, list_users, set_active, set_password
from followup.models import OneTimeLink, Role, StaffSession, User
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


@pytest.mark.parametrize("email", ["", "anna", "anna@localhost", "an na@example.org", "anna@bo@example.org"])
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


def test_the_name_shown_is_the_one_given_or_else_the_start_of_the_address(db, clock):
    assert (
        create_user(db, clock.now(), "anna@example.org", " Anna Berg ", Role.ADMIN).display_name
        == "Anna Berg"
    )
    assert create_user(db, clock.now(), "bo@example.org", "", Role.ADMIN).display_name == "bo"
    assert create_user(db, clock.now(), "cy@example.org", role=Role.ADMIN).display_name == "cy"


def test_users_are_found_by_address_however_typed_and_listed_by_address(db, clock):
    bo = create_user(db, clock.now(), "bo@example.org", "", Role.ADMIN)
    anna = create_user(db, clock.now(), "anna@example.org", "", Role.ADMIN)
    assert find_user(" BO@Example.org ").id == bo.id
    assert find_user("cy@example.org") is None
    assert [u.id for u in list_users()] == [anna.id, bo.id]


@pytest.mark.parametrize(
    ("email", "swedish"),
    [
        ("anna", "Det är inte en e-postadress."),
        ("taken@example.org", "Det finns redan ett konto för den adressen."),
    ],
)
def test_refusals_are_in_swedish_by_default(app, db, clock, email, swedish):
    create_user(db, clock.now(), "taken@example.org", "", Role.ADMIN)
    with app.test_request_context(), pytest.raises(UserError) as caught:
        create_user(db, clock.now(), email, "", Role.ADMIN)
    assert str(caught.value) == swedish


def test_a_new_password_works_and_keeps_what_changed_meanwhile(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    set_active(db, User.get_by_id(user.id), False)  # an admin, in another request
    set_password(db, user, "lingonberry harbour 41")
    stored = User.get_by_id(user.id)
    assert verify_password(stored.password_hash, "lingonberry harbour 41") and not stored.active


def test_stopping_an_account_keeps_a_password_set_meanwhile(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    seen = User.get_by_id(user.id)  # the admin's page, opened before the password was set
    set_password(db, User.get_by_id(user.id), "lingonberry harbour 41")
    set_active(db, seen, False)
    assert verify_password(User.get_by_id(user.id).password_hash, "lingonberry harbour 41")


def test_a_stopped_account_started_again_does_not_get_its_old_sessions_back(db, clock):
    anna = create_user(db, clock.now(), "anna@example.org", "Anna", Role.ADMIN)
    bo = create_user(db, clock.now(), "bo@example.org", "Bo", Role.ADMIN)
    annas = start_session(db, clock.now(), anna, verified=True)
    bos = start_session(db, clock.now(), bo, verified=True)
    set_active(db, anna, False)
    set_active(db, anna, True)
    assert find_session(db, clock.now(), annas, IDLE, LIFETIME) is None
    assert find_session(db, clock.now(), bos, IDLE, LIFETIME)
    fresh = start_session(db, clock.now(), anna, verified=True)
    set_active(db, anna, True)  # starting an active account again ends nothing
    assert find_session(db, clock.now(), fresh, IDLE, LIFETIME)
