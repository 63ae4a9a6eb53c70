"""Fixtures for the browser tests: the real server on a tiny checkpoint, Debian's chromium via Playwright."""
from __future__ import annotations

import os

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("SDFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT_DIR = os.path.join(ROOT, "tests", "output")


@pytest.fixture(scope="package")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _start_server(tmp_path_factory, name: str):
    from tests.browser.live_server import LiveServer

    return LiveServer(str(tmp_path_factory.mktemp(name))).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real server (create_app, built-in nodes) on a free port; no checkpoint until `checkpoint` runs."""
    s = _start_server(tmp_path_factory, "sdflow")
    yield s
    s.stop()


@pytest.fixture
def empty_server(tmp_path_factory):
    """A server of its own with no checkpoint installed."""
    s = _start_server(tmp_path_factory, "sdflow-empty")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def checkpoint(server):
    from tests.browser.live_server import write_checkpoint

    return write_checkpoint(server.paths.models_dir)


class Editor:
    """One browser page on the editor, recording console errors and page errors."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def open(self) -> "Editor":
        self.page.goto(self.url + "/")
        self.page.wait_for_function("window.app && window.app.ready === true", timeout=30_000)
        return self

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def widget(self, node_id: int, name: str):
        return self.js("([id, name]) => app.graph.getNodeById(id).widgets.find((w) => w.name === name).value",
                       [node_id, name])

    def set_widget(self, node_id: int, name: str, value) -> None:
        self.js("""([id, name, value]) => {
            const w = app.graph.getNodeById(id).widgets.find((x) => x.name === name);
            w.value = value; app.graphChanged(); }""", [node_id, name, value])

    def queue_and_wait(self, action, timeout: float = 120_000) -> str:
        """Run ``action`` (which queues the graph) and wait until that prompt finished; returns its id."""
        before = self.js("app.lastPromptId")
        action()
        self.page.wait_for_function("(before) => app.lastPromptId !== before && app.runDone === true", arg=before,
                                    timeout=timeout)
        return self.js("app.lastPromptId")


@pytest.fixture
def new_editor(browser):
    """Factory: an Editor on a fresh browser context (empty localStorage) for a server URL."""
    contexts = []

    def make(url: str) -> Editor:
        context = browser.new_context(viewport={"width": 1600, "height": 900})
        contexts.append(context)
        return Editor(context.new_page(), url)

    yield make
    for c in contexts:
        c.close()


@pytest.fixture
def editor(new_editor, server):
    return new_editor(server.url)


@pytest.fixture(scope="session")
def output_dir():
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    return OUTPUT_DIR
