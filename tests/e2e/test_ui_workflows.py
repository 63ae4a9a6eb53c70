"""The editor-format fixtures (tests/fixtures/ui_workflows) convert to prompts that validate against the
built-in nodes' INPUT_TYPES (widget order, control_after_generate, combos) and run."""
import json
import os

import pytest

from engine.graph.validation import validate_prompt
from engine.graph.workflow import ui_to_api

from .conftest import ROOT, shrink

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "ui_workflows")
NAMES = sorted(f for f in os.listdir(FIXTURES) if f.endswith(".json")) if os.path.isdir(FIXTURES) else []


@pytest.mark.parametrize("name", NAMES)
def test_ui_fixture_validates_with_builtin_nodes(engine, name):
    registry, _ = engine
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        prompt = ui_to_api(json.load(f), registry)
    ok, error, outputs, node_errors = validate_prompt(prompt, registry)
    assert ok and not node_errors, (error, node_errors)
    assert outputs


def test_ui_txt2img_fixture_runs(engine, run):
    registry, _ = engine
    with open(os.path.join(FIXTURES, "txt2img.json"), encoding="utf-8") as f:
        prompt = shrink(ui_to_api(json.load(f), registry))
    result, _ = run(prompt, {"extra_pnginfo": {"workflow": {"fixture": "txt2img"}}})
    assert result.success, result.error
