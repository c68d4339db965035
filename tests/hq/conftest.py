"""Each test module of the HQ workspace gets its own three-branch network (see hq_network)."""

import pytest

from tests.hq.hq_network import build, hq_client


@pytest.fixture(scope="module")
def net(tmp_path_factory, module_database_url):
    """On each engine: HQ on SQLite, then on PostgreSQL (the branches on their files)."""
    return build(tmp_path_factory.mktemp("hq"), hq_url=module_database_url)


@pytest.fixture
def client(net):
    """HQ's analyst, logged in."""
    return hq_client(net)
