import os

import pytest
import redis

from followup import create_app
from followup.db import migrate

REDIS_URL = os.environ.get("FOLLOWUP_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
GUESS = "/s/" + "Q" * 43


def _app(database_url, tmp_path, **config):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "a-test-secret-that-is-long-enough-for-tests",
            "TESTING": True,
            **config,
        }
    )
    database = app.extensions["followup"].db
    with database.connection_context():
        migrate(database)
    return app


@pytest.fixture
def shared_store():
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    yield REDIS_URL
    store.flushdb()
    store.close()


def _guess(app, address="192.0.2.1", **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.get(GUESS, headers=headers).status_code


def test_two_workers_share_one_count_in_redis(database_url, tmp_path, shared_store):
    first = _app(database_url, tmp_path, RATELIMIT_STORAGE_URL=shared_store)
    second = _app(database_url, tmp_path, RATELIMIT_STORAGE_URL=shared_store)
    for _ in range(5):
        assert _guess(first) == 404
        assert _guess(second) == 404
    assert _guess(first) == 429
    assert _guess(second) == 429
    assert _guess(second, address="192.0.2.2") == 404


def test_without_redis_each_process_counts_alone(database_url, tmp_path):
    first = _app(database_url, tmp_path)
    second = _app(database_url, tmp_path)
    for _ in range(10):
        assert _guess(first) == 404
    assert _guess(first) == 429
    assert _guess(second) == 404


def test_a_forwarded_address_is_ignored_unless_proxies_are_declared(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    for n in range(10):
        assert _guess(app, **{"X-Forwarded-For": f"203.0.113.{n}"}) == 404
    assert _guess(app, **{"X-Forwarded-For": "203.0.113.99"}) == 429


def test_behind_a_declared_proxy_each_forwarded_client_counts_alone(database_url, tmp_path):
    app = _app(database_url, tmp_path, PROXY_COUNT=1)
    for _ in range(10):
        assert _guess(app, **{"X-Forwarded-For": "203.0.113.1"}) == 404
    assert _guess(app, **{"X-Forwarded-For": "203.0.113.1"}) == 429
    # Same proxy socket, another participant behind it.
    assert _guess(app, **{"X-Forwarded-For": "203.0.113.2"}) == 404
    # A forged extra entry in front does not help: only the last hop the proxy added counts.
    assert _guess(app, **{"X-Forwarded-For": "10.9.9.9, 203.0.113.1"}) == 429
