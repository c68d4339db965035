"""PostgreSQL fixtures (see tests/pg_server.py): one server a session, a new database a test."""

import tempfile
import uuid

import pytest

from tests.pg_server import create_database, drop_database, fresh_database, postgres_server


@pytest.fixture(scope="session")
def pg_url():
    """The URL of the session's PostgreSQL test database (INSCRM_TEST_DATABASE_URL or a new one)."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_database(pg_url):
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    with fresh_database(pg_url) as url:
        yield url


@pytest.fixture(scope="session")
def pg_template(pg_url):
    """(server URL, name) of a database with InsCRM's schema and no site, made once a session
    by `inscrm db migrate`'s code path; tests get copies of it."""
    from inscrm import create_app
    from inscrm.db import engines

    name = f"inscrm_template_{uuid.uuid4().hex[:8]}"  # test runs may share one server
    url = create_database(pg_url, name)
    with tempfile.TemporaryDirectory() as folder:
        create_app({"TESTING": True, "DATA_DIR": folder, "DATABASE_URL": url, "MIGRATE": True})
        engines.close_all()
    yield pg_url, name
    drop_database(pg_url, url)
