"""/upload/image, /upload/mask, /view (preview, channel) and /view_metadata."""
from __future__ import annotations

import io
import json
import os
import struct

from PIL import Image, PngImagePlugin

from tests.server.live import request
from tests.server.test_security import png_bytes, upload


def test_upload_dedupes_by_content_and_suffixes_different_files(server):
    a, b = png_bytes(color=(1, 2, 3, 255)), png_bytes(color=(9, 9, 9, 255))
    assert upload(server, "pic.png", a)[1] == {"name": "pic.png", "subfolder": "", "type": "input"}
    assert upload(server, "pic.png", a)[1]["name"] == "pic.png"           # same bytes: reused
    assert upload(server, "pic.png", b)[1]["name"] == "pic (1).png"       # different: suffixed
    assert upload(server, "pic.png", b)[1]["name"] == "pic (1).png"
    assert upload(server, "pic.png", png_bytes(color=(7, 7, 7, 255)))[1]["name"] == "pic (2).png"
    assert upload(server, "pic.png", b, overwrite="true")[1]["name"] == "pic.png"
    with open(os.path.join(server.paths.input_dir, "pic.png"), "rb") as f:
        assert f.read() == b
    status, body, _ = upload(server, "s.png", a, subfolder="masks/x", type="temp")
    assert status == 200 and body == {"name": "s.png", "subfolder": "masks/x", "type": "temp"}
    assert os.path.isfile(os.path.join(server.paths.temp_dir, "masks", "x", "s.png"))
    status, data, headers = request(server.base, "GET", "/view?filename=s.png&subfolder=masks/x&type=temp")
    assert status == 200 and data == a and headers["Content-Disposition"] == 'filename="s.png"'
    assert request(server.base, "GET", "/view?filename=s.png%20[temp]&subfolder=masks/x")[1] == a


def test_mask_upload_pastes_alpha_into_original(server):
    original = Image.new("RGB", (16, 8), (200, 100, 50))
    info = PngImagePlugin.PngInfo()
    info.add_text("workflow", '{"nodes": []}')
    buf = io.BytesIO()
    original.save(buf, format="PNG", pnginfo=info)
    assert upload(server, "orig.png", buf.getvalue())[0] == 200
    mask = Image.new("RGBA", (16, 8), (0, 0, 0, 0))
    mask.paste((0, 0, 0, 255), (0, 0, 8, 8))
    mbuf = io.BytesIO()
    mask.save(mbuf, format="PNG")
    ref = json.dumps({"filename": "orig.png", "subfolder": "", "type": "input"})
    status, body, _ = upload(server, "clipspace-mask.png", mbuf.getvalue(), path="/upload/mask", original_ref=ref)
    assert status == 200, body
    out = Image.open(os.path.join(server.paths.input_dir, body["name"]))
    assert out.mode == "RGBA" and out.size == (16, 8)
    assert out.getpixel((0, 0)) == (200, 100, 50, 255) and out.getpixel((12, 4)) == (200, 100, 50, 0)
    assert out.text["workflow"] == '{"nodes": []}'
    bad = json.dumps({"filename": "../orig.png"})
    assert upload(server, "m.png", mbuf.getvalue(), path="/upload/mask", original_ref=bad)[0] == 400
    assert upload(server, "m.png", mbuf.getvalue(), path="/upload/mask", original_ref="{")[0] == 400
    missing = json.dumps({"filename": "nope.png", "type": "input"})
    assert upload(server, "m.png", mbuf.getvalue(), path="/upload/mask", original_ref=missing)[0] == 404


def test_view_preview_formats_and_channels(server):
    img = Image.new("RGBA", (20, 10), (255, 0, 0, 128))
    img.save(os.path.join(server.paths.output_dir, "a.png"))
    status, data, headers = request(server.base, "GET", "/view?filename=a.png&preview=jpeg;70&channel=rgb")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    status, data, headers = request(server.base, "GET", "/view?filename=a.png&preview=webp;50")
    assert headers["Content-Type"] == "image/webp" and Image.open(io.BytesIO(data)).format == "WEBP"
    assert Image.open(io.BytesIO(data)).mode == "RGBA"   # WebP keeps the image's alpha
    # without a channel, jpeg stays JPEG (ComfyUI forces WebP only when a channel with "a" is given)
    status, data, headers = request(server.base, "GET", "/view?filename=a.png&preview=jpeg;50")
    assert headers["Content-Type"] == "image/jpeg" and Image.open(io.BytesIO(data)).format == "JPEG"
    status, data, headers = request(server.base, "GET", "/view?filename=a.png&preview=jpeg;50&channel=rgba")
    assert headers["Content-Type"] == "image/webp"
    status, data, _ = request(server.base, "GET", "/view?filename=a.png&channel=rgb")
    rgb = Image.open(io.BytesIO(data))
    assert rgb.mode == "RGB" and rgb.getpixel((0, 0)) == (255, 0, 0)
    status, data, _ = request(server.base, "GET", "/view?filename=a.png&channel=a")
    a = Image.open(io.BytesIO(data))
    assert a.mode == "RGBA" and a.getpixel((0, 0))[3] == 128
    assert request(server.base, "GET", "/view?filename=a.png&channel=xyz")[0] == 400


def test_view_metadata_reads_safetensors_header(server):
    ckpt_dir = server.paths.folder("checkpoints")[0]
    os.makedirs(ckpt_dir, exist_ok=True)
    header = json.dumps({"__metadata__": {"ss_network_dim": "4"}, "w": {"dtype": "F32", "shape": [1],
                                                                        "data_offsets": [0, 4]}}).encode()
    with open(os.path.join(ckpt_dir, "m.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"\0\0\0\0")
    status, body, _ = request(server.base, "GET", "/view_metadata/checkpoints?filename=m.safetensors")
    assert status == 200 and body == {"ss_network_dim": "4"}
    assert request(server.base, "GET", "/view_metadata/checkpoints?filename=x.safetensors")[0] == 404
    assert request(server.base, "GET", "/view_metadata/nofolder?filename=m.safetensors")[0] == 404
    assert request(server.base, "GET", "/view_metadata/checkpoints?filename=../m.safetensors")[0] == 400
