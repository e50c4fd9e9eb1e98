"""The embedded PostgreSQL+pgvector and Redis: they start from pip packages, keep their data
across a stop and a start, and pgvector is there."""

import stat

import psycopg
import pytest
import redis

from chatassist import embedded

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path):
    yield tmp_path
    embedded.stop(tmp_path)


def test_services_start_keep_data_across_restart_and_have_pgvector(data_dir):
    services = embedded.ensure_running(data_dir)
    assert services.started == ("postgres", "redis")
    with psycopg.connect(services.database_url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        connection.execute("CREATE TABLE kept (id int, embedding vector(3))")
        connection.execute("INSERT INTO kept VALUES (1, '[1,2,3]')")
        nearest = connection.execute("SELECT id FROM kept ORDER BY embedding <=> '[1,2,2]' LIMIT 1").fetchone()
        assert nearest == (1,)
    redis.Redis.from_url(services.redis_url).set("kept", "yes")

    assert set(embedded.stop(data_dir)) == {"postgres", "redis"}
    assert embedded.status(data_dir) == {"postgres": None, "redis": None}

    again = embedded.ensure_running(data_dir)
    assert again.started == ("postgres", "redis")
    assert again.database_url == services.database_url
    with psycopg.connect(again.database_url) as connection:
        assert connection.execute("SELECT id FROM kept").fetchall() == [(1,)]
    assert redis.Redis.from_url(again.redis_url).get("kept") == b"yes"

    # A third call finds both running and starts nothing.
    assert embedded.ensure_running(data_dir).started == ()


def test_servers_require_their_passwords_and_keep_them_private(data_dir):
    services = embedded.ensure_running(data_dir)
    for name in ("postgres.password", "redis.password"):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(services.database_url.replace(services.database_url.split(":")[2].split("@")[0], "wrong"))
    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(services.redis_url.replace("://:", "://:wrong")).ping()


def test_a_busy_port_moves_to_the_next_free_one(data_dir, tmp_path_factory):
    first = embedded.ensure_running(data_dir)
    other_dir = tmp_path_factory.mktemp("other")
    (other_dir / "postgres.port").write_text(first.database_url.split(":")[3].split("/")[0])
    try:
        second = embedded.ensure_running(other_dir)
        assert second.database_url.split("@")[1] != first.database_url.split("@")[1]
    finally:
        embedded.stop(other_dir)


def test_mask_url_hides_passwords():
    assert (
        embedded.mask_url("postgres://postgres:s3cret@127.0.0.1:5432/db") == "postgres://postgres:***@127.0.0.1:5432/db"
    )
    assert embedded.mask_url("redis://:s3cret@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert embedded.mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
