"""A V3 custom node pack (comfy_api.latest) with a module-level comfy_entrypoint (used by tests/compat)."""
from comfy_api.latest import ComfyExtension, io


class RepeatText(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="V3RepeatText",
            display_name="Repeat Text (V3)",
            category="v3_pack",
            description="Repeats a text",
            inputs=[
                io.String.Input("text", default="hi", multiline=False),
                io.Int.Input("times", default=2, min=1, max=10),
                io.Combo.Input("sep", options=["-", "+"], default="-"),
                io.Boolean.Input("upper", default=False, optional=True),
            ],
            outputs=[io.String.Output(display_name="repeated"), io.Int.Output(display_name="length")],
            hidden=[io.Hidden.unique_id],
            is_output_node=True,
        )

    @classmethod
    def validate_inputs(cls, times):
        return True if times != 7 else "seven is not allowed"

    @classmethod
    def execute(cls, text, times, sep, upper=False):
        out = sep.join([text] * times)
        if upper:
            out = out.upper()
        return io.NodeOutput(out, len(out), ui={"text": [out, cls.hidden.unique_id]})


class AsyncLength(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(node_id="V3AsyncLength", category="v3_pack",
                         inputs=[io.String.Input("text", force_input=True)],
                         outputs=[io.Int.Output()], is_output_node=True)

    @classmethod
    async def execute(cls, text):
        return io.NodeOutput(len(text), ui={"length": [len(text)]})


class V3Extension(ComfyExtension):
    async def get_node_list(self):
        return [RepeatText, AsyncLength]


async def comfy_entrypoint():
    return V3Extension()
