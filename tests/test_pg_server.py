"""The throwaway PostgreSQL server: it starts, peewee talks to it, Chinese text survives."""

import socket
import time
from urllib.parse import urlsplit

import peewee

from tests.pg_server import fresh_database, peewee_database, postgres_server


def listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_new_cluster_stores_chinese_text_and_is_gone_afterwards(monkeypatch):
    monkeypatch.delenv("INSCRM_TEST_DATABASE_URL", raising=False)
    started = time.monotonic()
    with postgres_server() as server_url:
        seconds = time.monotonic() - started
        port = urlsplit(server_url).port
        assert server_url == f"postgresql://postgres@127.0.0.1:{port}/inscrm_test"
        with fresh_database(server_url) as url:
            db = peewee_database(url)

            class Note(peewee.Model):
                text = peewee.TextField()

                class Meta:
                    database = db

            with db:
                assert db.execute_sql("SHOW server_encoding").fetchone() == ("UTF8",)
                db.create_tables([Note])
                Note.create(text="嘉兴南湖支公司 · 续保提醒")
                assert [n.text for n in Note.select()] == ["嘉兴南湖支公司 · 续保提醒"]
                assert Note.get(Note.text.contains("南湖")).text.startswith("嘉兴")
        assert listening(port)
    assert not listening(port), "the server still listens after the block"
    print(f"PostgreSQL test cluster started in {seconds:.2f} s")
