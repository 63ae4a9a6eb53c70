"""The OpenAPI description matches the routes, and a bounded schemathesis fuzz run finds no 500."""
from __future__ import annotations

import pytest
import yaml

from engine.server.routes import OPENAPI_PATH, route_table
from tests.server.live import LiveServer

METHODS = ("get", "post", "put", "delete", "patch", "options")


def documented() -> set[tuple[str, str]]:
    with open(OPENAPI_PATH, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    return {(m.upper(), path) for path, item in spec["paths"].items() for m in item if m in METHODS}


def test_every_route_documented_and_every_documented_path_routed(tmp_path):
    srv = LiveServer(str(tmp_path))
    try:
        served = route_table(srv.app)
    finally:
        srv.stop()
    docs = documented()
    # each aliased route is served twice: documented once, without the /api prefix
    unaliased = {(m, p[4:]) if p.startswith("/api/") and (m, p[4:]) in docs else (m, p) for m, p in served}
    assert unaliased - docs == set(), "routes missing from openapi.yaml"
    assert docs - unaliased == set(), "documented paths that are not routed"
    for m, p in docs:
        if not p.startswith(("/api/", "/internal/", "/examples", "/extensions/", "/{tail}")) and p != "/":
            assert (m, "/api" + p) in served, f"{m} {p} lacks its /api alias"


schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

SCHEMA = schemathesis.openapi.from_path(OPENAPI_PATH)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    srv = LiveServer(str(tmp_path_factory.mktemp("fuzz")))
    yield srv
    srv.stop()


@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_fuzz_finds_no_server_error(case, fuzz_server):
    if case.path == "/ws":
        return   # needs a websocket upgrade; covered by the websocket tests
    response = case.call(base_url=fuzz_server.base, timeout=20)
    assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body,
                                        response.status_code, response.text[:500])
