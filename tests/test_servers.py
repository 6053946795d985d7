"""The real Redis and PostgreSQL servers that the cluster tests run on answer as servers do."""

from __future__ import annotations

import psycopg
import redis


def test_redis_answers_ping_and_keeps_a_value(redis_url):
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        client.set("probe", "42")
        assert client.get("probe") == b"42"
    finally:
        client.close()


def test_postgres_answers_select_and_runs_as_a_server(postgres_server, postgres_url):
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        # a real server: row locks that another connection skips
        conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        conn.execute("INSERT INTO t VALUES (1), (2)")
        conn.commit()
        conn.execute("SELECT id FROM t WHERE id = 1 FOR UPDATE")
        with psycopg.connect(postgres_url) as other:
            rows = other.execute("SELECT id FROM t ORDER BY id FOR UPDATE SKIP LOCKED").fetchall()
        assert rows == [(2,)]
    assert postgres_server.process.poll() is None
