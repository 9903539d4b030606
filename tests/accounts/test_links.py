from datetime import timedelta

import pytest

from followup.accounts import links
from followup.accounts.links import LinkInvalid, find_link, issue_link, use_link
from followup.accounts.users import create_user
from followup.models import OneTimeLink, Role


def test_a_link_stops_working_at_the_instant_it_expires(db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = issue_link(db, clock.now(), user, OneTimeLink.INVITATION)
    expires = clock.now() + timedelta(days=7)
    find_link(expires - timedelta(microseconds=1), token)
    with pytest.raises(LinkInvalid):
        find_link(expires, token)
    with pytest.raises(LinkInvalid):
        use_link(db, expires, token)


def test_a_new_link_leaves_other_people_and_other_purposes_alone(db, clock):
    anna = create_user(db, clock.now(), "anna@example.org", "Anna", Role.ADMIN)
    bo = create_user(db, clock.now(), "bo@example.org", "Bo", Role.ADMIN)
    annas_reset = issue_link(db, clock.now(), anna, OneTimeLink.RESET)
    annas_invitation = issue_link(db, clock.now(), anna, OneTimeLink.INVITATION)
    issue_link(db, clock.now(), bo, OneTimeLink.RESET)
    assert find_link(clock.now(), annas_reset).user.id == anna.id
    assert find_link(clock.now(), annas_invitation).user.id == anna.id


def test_using_a_link_spends_that_link_only(db, clock):
    anna = create_user(db, clock.now(), "anna@example.org", "Anna", Role.ADMIN)
    bo = create_user(db, clock.now(), "bo@example.org", "Bo", Role.ADMIN)
    annas = issue_link(db, clock.now(), anna, OneTimeLink.RESET)
    bos = issue_link(db, clock.now(), bo, OneTimeLink.RESET)
    annas_invitation = issue_link(db, clock.now(), anna, OneTimeLink.INVITATION)
    assert use_link(db, clock.now(), annas).id == anna.id
    assert use_link(db, clock.now(), bos).id == bo.id
    assert use_link(db, clock.now(), annas_invitation).id == anna.id


def test_a_link_spent_by_a_racing_request_between_check_and_spend_is_refused(app, db, clock, monkeypatch):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = issue_link(db, clock.now(), user, OneTimeLink.SET_PASSWORD)
    checked = links.find_link

    def check_then_lose_the_race(now, token):
        link = checked(now, token)
        # The other request, which passed the same check a moment earlier, spends the link now.
        OneTimeLink.update(used_at=now).where(OneTimeLink.id == link.id).execute()
        return link

    monkeypatch.setattr(links, "find_link", check_then_lose_the_race)
    with app.test_request_context(), pytest.raises(LinkInvalid) as caught:
        use_link(db, clock.now(), token)
    assert str(caught.value) == "Länken fungerar inte längre. Be om en ny."


def test_a_dead_link_says_so_in_swedish_by_default(app, db, clock):
    user = create_user(db, clock.now(), "a@example.org", "A", Role.ADMIN)
    token = issue_link(db, clock.now(), user, OneTimeLink.RESET)
    use_link(db, clock.now(), token)
    with app.test_request_context(), pytest.raises(LinkInvalid) as caught:
        find_link(clock.now(), token)
    assert str(caught.value) == "Länken fungerar inte längre. Be om en ny."
