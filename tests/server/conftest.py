import pytest

from tests.server.live import LiveServer


@pytest.fixture
def server(tmp_path):
    srv = LiveServer(str(tmp_path))
    yield srv
    srv.stop()
