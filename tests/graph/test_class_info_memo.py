"""ClassInfoMemo: parsed class facts shared between passes only while they are still true."""
from __future__ import annotations


def test_class_info_memo_reparses_only_when_input_types_change():
    """Parsed INPUT_TYPES are reused across passes while unchanged, re-read when they change
    (a combo list of files, say), and a re-registered class is never served stale facts."""
    from engine.graph.registry import Registry
    from engine.graph.validation import ClassInfoCache, ClassInfoMemo, validate_prompt

    class Pick:
        choices = ["a.ckpt"]

        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"name": (list(cls.choices),)}}
        RETURN_TYPES = ()
        OUTPUT_NODE = True
        FUNCTION = "run"

        def run(self, name):
            return {}

    reg = Registry()
    reg.register("Pick", Pick)
    memo = ClassInfoMemo()
    first = ClassInfoCache(reg, memo).info("Pick")
    assert ClassInfoCache(reg, memo).info("Pick") is first            # unchanged: not parsed again
    prompt = {"1": {"class_type": "Pick", "inputs": {"name": "b.ckpt"}}}
    ok, _, _, errors = validate_prompt(prompt, reg, infos=ClassInfoCache(reg, memo))
    assert not ok and errors["1"]["errors"][0]["type"] == "value_not_in_list"
    Pick.choices = ["a.ckpt", "b.ckpt"]                                 # a new file appears
    ok, _, _, _ = validate_prompt(prompt, reg, infos=ClassInfoCache(reg, memo))
    assert ok
    assert ClassInfoCache(reg, memo).info("Pick") is not first

    class Pick2(Pick):
        pass
    reg.register("Pick", Pick2)
    assert ClassInfoCache(reg, memo).info("Pick").cls is Pick2


def _pick_registry():
    from engine.graph.registry import Registry

    class Pick:
        choices = ["a.ckpt", "b.ckpt"]
        checks = 0

        @classmethod
        def INPUT_TYPES(cls):
            return {"required": {"name": (list(cls.choices),), "scale": ("FLOAT", {"default": 1.0})}}
        RETURN_TYPES = ()
        OUTPUT_NODE = True
        FUNCTION = "run"

        def run(self, name, scale):
            return {}

    class Checked(Pick):
        @classmethod
        def VALIDATE_INPUTS(cls, name):
            cls.checks += 1
            return True

    reg = Registry()
    reg.register("Pick", Pick)
    reg.register("Checked", Checked)
    return reg, Pick, Checked


def _request(prompt, targets=None):
    from engine.server.admission import PromptRequest
    return PromptRequest(prompt=prompt, targets=targets, number=0, prompt_id="p", extra_data={})


def test_server_validator_reuses_the_validation_of_an_identical_prompt_only_while_it_holds(monkeypatch):
    """A prompt posted again unchanged skips validate_prompt; a changed combo list (a file deleted),
    a re-registered class, other targets or another prompt text validate again in full."""
    import json

    import engine.server.routes_prompt as rp
    reg, Pick, _ = _pick_registry()
    calls = []
    real = rp.validate_prompt
    monkeypatch.setattr(rp, "validate_prompt", lambda *a, **k: calls.append(1) or real(*a, **k))
    validate = rp.make_validator(reg)

    def prompt():
        return {"1": {"class_type": "Pick", "inputs": {"name": "b.ckpt", "scale": 2.0}}}
    first = validate(_request(prompt()))
    again = _request(prompt())
    second = validate(again)
    assert first[0] and second[0] and second[2] == first[2] == ["1"]
    assert len(calls) == 1                                    # reused
    assert json.loads(again.prompt_json) == prompt()          # the queue gets the text without another dump

    Pick.choices = ["a.ckpt"]                                 # b.ckpt deleted: the memo must not hide it
    ok, _, _, errors = validate(_request(prompt()))
    assert not ok and errors["1"]["errors"][0]["type"] == "value_not_in_list" and len(calls) == 2
    Pick.choices = ["a.ckpt", "b.ckpt"]
    assert validate(_request(prompt()))[0] and len(calls) == 3
    assert validate(_request(prompt()))[0] and len(calls) == 3

    assert validate(_request(prompt(), targets=["1"]))[0] and len(calls) == 4    # other targets
    other = prompt()
    other["1"]["inputs"]["scale"] = 3.0
    assert validate(_request(other))[0] and len(calls) == 5                    # other text

    class Pick2(Pick):
        pass
    reg.register("Pick", Pick2)
    assert validate(_request(prompt()))[0] and len(calls) == 6                  # new class object


def test_server_validator_does_not_reuse_coerced_prompts_or_custom_validation(monkeypatch):
    """A prompt that validation changes (an int coerced to FLOAT) is validated each time and queued
    as coerced; a class with VALIDATE_INPUTS has its check run on every post."""
    import json

    import engine.server.routes_prompt as rp
    reg, _, Checked = _pick_registry()
    validate = rp.make_validator(reg)
    calls = []
    real = rp.validate_prompt
    monkeypatch.setattr(rp, "validate_prompt", lambda *a, **k: calls.append(1) or real(*a, **k))
    for i in range(2):
        req = _request({"1": {"class_type": "Pick", "inputs": {"name": "a.ckpt", "scale": 2}}})
        assert validate(req)[0]
        assert len(calls) == i + 1
        stored = json.loads(req.prompt_json)["1"]["inputs"]["scale"]
        assert stored == 2.0 and isinstance(stored, float)
    for i in range(3):
        assert validate(_request({"1": {"class_type": "Checked", "inputs": {"name": "a.ckpt", "scale": 1.0}}}))[0]
    assert Checked.checks == 3
