"""Sign-in rate limits: per account and address, per address; shared through Redis when configured."""

import os
import time
import uuid

import pytest

from followup import create_app
from tests.factories import PASSWORD, csrf_of, make_user, sign_in

REDIS_URL = os.environ.get("FOLLOWUP_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


def attempts(client, email, password, times):
    return [sign_in(client, email, password).status_code for _ in range(times)]


def test_five_failures_for_one_account_from_one_address_pause_it(client, db, clock):
    make_user(db, clock.now())
    assert attempts(client, "anna@example.org", "wrong password!", 5) == [200] * 5
    assert sign_in(client).status_code == 429
    assert "wait a few minutes" in sign_in(client).get_data(as_text=True).lower()


def test_an_attacker_elsewhere_does_not_lock_the_real_user_out(app, db, clock):
    make_user(db, clock.now())
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert attempts(attacker, "anna@example.org", "wrong password!", 6)[-1] == 429
    user = app.test_client()
    user.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(user).status_code == 303


def test_successful_sign_ins_are_not_counted(client, db, clock):
    make_user(db, clock.now())
    for _ in range(7):
        assert sign_in(client).status_code == 303


def test_one_address_trying_many_accounts_is_paused(client, db, clock):
    codes = [sign_in(client, f"user{n}@example.org", "wrong password!").status_code for n in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def test_the_pause_ends_when_the_window_has_passed(app, client, db, clock):
    # The window is real time (Flask-Limiter's own clock), so the test shortens it to two seconds.
    app.config["STAFF_SIGN_IN_PER_ACCOUNT"] = "2 per 2 seconds"
    make_user(db, clock.now())
    assert attempts(client, "anna@example.org", "wrong password!", 3) == [200, 200, 429]
    assert sign_in(client).status_code == 429
    time.sleep(2.1)
    assert sign_in(client).status_code == 303


def test_limits_are_shared_between_processes_through_redis(database_url, tmp_path, clock, db):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL}: start it (redis-server) for this test")
    # Redis outlives the test: an address and an account of this run only keep runs apart.
    email = f"{uuid.uuid4().hex[:12]}@example.org"
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    make_user(db, clock.now(), email)
    config = {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "a-test-secret-that-is-long-enough-for-tests",
        "CLOCK": clock,
        "TESTING": True,
        "RATELIMIT_STORAGE_URL": REDIS_URL,
    }
    first = create_app(dict(config))
    client = first.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert attempts(client, email, "wrong password!", 5) == [200] * 5
    # A second process starts with empty memory: only Redis can tell it about the five failures.
    second = create_app(dict(config))
    other = second.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    page = other.get("/staff/sign-in")
    response = other.post(
        "/staff/sign-in",
        data={"csrf_token": csrf_of(page), "email": email, "password": PASSWORD},
    )
    assert response.status_code == 429
    second.extensions["followup"].db.close_all()
    first.extensions["followup"].db.close_all()
