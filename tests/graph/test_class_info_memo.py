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
