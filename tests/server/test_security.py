"""Safety rules: auth token, origin / fetch-site / DNS-rebinding checks, CORS, path checks, limits, bad bodies."""
from __future__ import annotations

import io
import os
from types import SimpleNamespace

import pytest
import websocket
from PIL import Image

from engine.server.state import ServerConfig
from tests.server.live import LiveServer, WSClient, multipart, request

GOOD_WF = {"1": {"class_type": "ToyConstInt", "inputs": {"value": 1}},
           "2": {"class_type": "ToyOutput", "inputs": {"value": ["1", 0]}}}


def png_bytes(size=(8, 8), color=(10, 20, 30, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, color).save(buf, format="PNG")
    return buf.getvalue()


def bilevel_png(w: int, h: int) -> bytes:
    """A valid all-black 1-bit PNG built row by row (a few KB for 400 Mpx, without allocating it)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    comp = zlib.compressobj(9)
    row = b"\0" * (1 + (w + 7) // 8)
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


@pytest.fixture
def make_server(tmp_path):
    made = []

    def make(**flags):
        srv = LiveServer(str(tmp_path / f"s{len(made)}"), **flags)
        made.append(srv)
        return srv

    yield make
    for s in made:
        s.stop()


def test_listens_on_loopback_by_default():
    assert ServerConfig.from_args(SimpleNamespace()).listen == ["127.0.0.1"]
    from main import build_parser
    assert ServerConfig.from_args(build_parser().parse_args([])).listen == ["127.0.0.1"]


def test_bare_listen_is_every_ipv4_and_ipv6_interface_and_ipv6_is_dropped_where_missing(monkeypatch, caplog):
    import socket

    from engine.server.app import usable_hosts
    from main import build_parser
    hosts = ServerConfig.from_args(build_parser().parse_args(["--listen"])).listen
    assert hosts == ["0.0.0.0", "::"]   # ComfyUI's bare --listen
    monkeypatch.setattr(socket, "has_ipv6", False)
    assert usable_hosts(hosts) == ["0.0.0.0"] and "IPv6 is not available" in caplog.text
    assert usable_hosts(["::1"]) == ["::1"]   # only IPv6 asked: kept, so the bind names the problem


def test_missing_tls_files_stop_the_start_with_one_line_naming_them(tmp_path):
    from engine.server.app import _ssl_context
    config = ServerConfig(tls_certfile=str(tmp_path / "none.crt"), tls_keyfile=str(tmp_path / "none.key"))
    with pytest.raises(SystemExit, match="cannot use --tls-certfile .*none.crt.* with --tls-keyfile .*none.key"):
        _ssl_context(config)


def test_auth_token_required_on_http_and_websocket(make_server):
    srv = make_server(auth_token="s3cret")
    for path in ("/queue", "/api/system_stats", "/", "/object_info"):
        status, body, _ = request(srv.base, "GET", path)
        assert status == 401 and "auth token" in body["error"], path
    assert request(srv.base, "GET", "/queue", headers={"Authorization": "Bearer wrong"})[0] == 401
    assert request(srv.base, "GET", "/queue", headers={"Authorization": "Bearer s3cret"})[0] == 200
    assert request(srv.base, "GET", "/queue", headers={"X-Auth-Token": "s3cret"})[0] == 200
    assert request(srv.base, "POST", "/prompt", {"prompt": GOOD_WF})[0] == 401
    assert request(srv.base, "POST", "/prompt", {"prompt": GOOD_WF},
                   headers={"Authorization": "Bearer s3cret"})[0] == 200
    # the token in the query string is accepted for the websocket only
    assert request(srv.base, "GET", "/queue?token=s3cret")[0] == 401
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        WSClient(srv.base, "noauth")
    assert e.value.status_code == 401
    ws = WSClient(srv.base, "withtoken", query="&token=s3cret")
    assert ws.recv()["type"] == "status"
    ws.close()
    ws = WSClient(srv.base, "withheader", headers=["Authorization: Bearer s3cret"])
    assert ws.recv()["type"] == "status"
    ws.close()
    # a browser opens /?token=... once and then uses the SameSite=Strict cookie it gets
    assert request(srv.base, "GET", "/?token=wrong")[0] == 401
    status, _, headers = request(srv.base, "GET", "/?token=s3cret")
    assert status in (200, 404) and "engine_auth=s3cret" in headers["Set-Cookie"]
    assert "SameSite=Strict" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
    assert request(srv.base, "GET", "/queue", headers={"Cookie": "engine_auth=s3cret"})[0] == 200
    assert request(srv.base, "GET", "/queue", headers={"Cookie": "engine_auth=nope"})[0] == 401


def test_cross_origin_requests_are_refused(server):
    host = f"127.0.0.1:{server.port}"
    evil = {"Origin": "http://evil.example.com"}
    status, body, _ = request(server.base, "POST", "/prompt", {"prompt": GOOD_WF}, headers=evil)
    assert status == 403 and "cross-origin" in body["error"]
    assert request(server.base, "GET", "/history", headers=evil)[0] == 403
    # a same-origin request from the editor passes
    assert request(server.base, "POST", "/prompt", {"prompt": GOOD_WF},
                   headers={"Origin": f"http://{host}"})[0] == 200
    # a different port on the same host is another origin
    assert request(server.base, "POST", "/queue", {"clear": True},
                   headers={"Origin": "http://127.0.0.1:1"})[0] == 403
    # opaque origins (sandboxed iframes, file://) may not change state
    status, body, _ = request(server.base, "POST", "/queue", {"clear": True}, headers={"Origin": "null"})
    assert status == 403 and "Origin: null" in body["error"]
    # Sec-Fetch-Site: cross-site is refused for state-changing requests (a GET is a harmless read)
    assert request(server.base, "POST", "/interrupt", {}, headers={"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert request(server.base, "GET", "/queue", headers={"Sec-Fetch-Site": "cross-site"})[0] == 200
    assert request(server.base, "POST", "/interrupt", {}, headers={"Sec-Fetch-Site": "same-origin"})[0] == 200
    # cross-site websocket (CSWSH)
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        WSClient(server.base, "evil", origin="http://evil.example.com")
    assert e.value.status_code == 403


def test_dns_rebinding_host_header_refused(server):
    status, body, _ = request(server.base, "GET", "/queue", headers={"Host": "evil.example.com"})
    assert status == 403 and "DNS rebinding" in body["error"]
    assert request(server.base, "GET", "/queue", headers={"Host": f"evil.example.com:{server.port}"})[0] == 403
    for ok in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", "127.0.0.1", f"[::1]:{server.port}"):
        assert request(server.base, "GET", "/queue", headers={"Host": ok})[0] == 200, ok
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as c:   # HTTP/1.0, no Host at all
        c.sendall(b"GET /prompt HTTP/1.0\r\n\r\n")
        assert c.recv(100).startswith(b"HTTP/1.0 200")


def test_cors_header_option_allows_cross_origin(make_server):
    srv = make_server(enable_cors_header="http://editor.example")
    status, _, headers = request(srv.base, "OPTIONS", "/prompt", headers={"Origin": "http://editor.example"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://editor.example"
    status, _, headers = request(srv.base, "POST", "/prompt", {"prompt": GOOD_WF},
                                 headers={"Origin": "http://editor.example"})
    assert status == 200 and "POST" in headers["Access-Control-Allow-Methods"]


def test_view_refuses_traversal_symlinks_and_unknown_types(server, tmp_path):
    out = server.paths.output_dir
    with open(os.path.join(out, "ok.png"), "wb") as f:
        f.write(png_bytes())
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    os.symlink(str(secret), os.path.join(out, "link.png"))
    os.makedirs(os.path.join(out, "sub"))
    os.symlink(str(tmp_path), os.path.join(out, "sub", "up"))
    cases = {
        "/view?filename=/etc/passwd": 400,
        "/view?filename=../secret.png": 400,
        "/view?filename=..%2Fsecret.png": 400,
        "/view?filename=ok.png&subfolder=../..": 403,
        "/view?filename=ok.png&subfolder=/etc": 400,
        "/view?filename=ok.png&type=secrets": 400,
        "/view?filename=link.png": 403,
        "/view?filename=secret.png&subfolder=sub/up": 403,
        "/view?filename=missing.png": 404,
        "/view": 400,
        "/view?filename=ok.png": 200,
    }
    for path, code in cases.items():
        status, body, _ = request(server.base, "GET", path)
        assert status == code, (path, status, body)
        if code != 200:
            assert isinstance(body, dict) and body["error"], path


def test_view_serves_html_as_octet_stream(server):
    with open(os.path.join(server.paths.output_dir, "x.html"), "w") as f:
        f.write("<script>alert(1)</script>")
    status, _, headers = request(server.base, "GET", "/view?filename=x.html")
    assert status == 200 and headers["Content-Type"] == "application/octet-stream"


def upload(srv, name, data, path="/upload/image", **fields):
    body, ctype = multipart({k: str(v) for k, v in fields.items()}, {"image": (name, data)})
    return request(srv.base, "POST", path, raw=body, headers={"Content-Type": ctype})


def test_upload_refuses_traversal_and_unknown_types(server):
    assert upload(server, "../evil.png", png_bytes())[0] == 400
    status, body, _ = upload(server, "/abs/evil.png", png_bytes())
    # aiohttp hands over the base name of a part's filename; either way nothing lands outside input/
    assert status == 400 or (status == 200 and body["name"] == "evil.png"
                             and os.path.isfile(os.path.join(server.paths.input_dir, "evil.png")))
    assert upload(server, "ok.png", png_bytes(), subfolder="../../x")[0] == 403
    assert upload(server, "ok.png", png_bytes(), subfolder="/tmp")[0] == 400
    assert upload(server, "ok.png", png_bytes(), type="models")[0] == 400
    status, body, _ = upload(server, "page.html", b"<html></html>")
    assert status == 400 and "not accepted" in body["error"]
    status, body, _ = upload(server, "fake.png", b"this is not a png")
    assert status == 400 and "not a readable image" in body["error"]
    status, body, _ = request(server.base, "POST", "/upload/image", {"image": "x"})
    assert status == 400 and "multipart" in body["error"]
    assert not os.path.exists(os.path.join(os.path.dirname(server.paths.input_dir), "evil.png"))


def test_upload_size_limit_is_413_with_message(make_server):
    srv = make_server(max_upload_size=0.01)   # 10 KiB
    status, body, _ = upload(srv, "big.png", os.urandom(20000))
    assert status == 413
    assert "too large" in body["error"] and "10485 bytes" in body["error"]
    assert upload(srv, "small.png", png_bytes())[0] == 200
    _, features, _ = request(srv.base, "GET", "/features")
    assert features["max_upload_size"] == 10485


def test_decompression_bomb_refused(make_server, tmp_path):
    srv = make_server(max_image_pixels=100 * 100)
    status, body, _ = upload(srv, "bomb.png", png_bytes((200, 200)))
    assert status == 400 and "decompression-bomb" in body["error"]
    # PIL's own bomb error (beyond twice its limit) is refused the same way, before decoding
    srv2 = make_server()
    status, body, _ = upload(srv2, "huge.png", bilevel_png(20000, 20000))
    assert status == 400 and ("too large" in body["error"] or "exceeds" in body["error"])
    with open(os.path.join(srv.paths.output_dir, "b.png"), "wb") as f:
        f.write(png_bytes((200, 200)))
    status, body, _ = request(srv.base, "GET", "/view?filename=b.png&preview=webp;50")
    assert status == 400 and "pixels" in body["error"]


@pytest.mark.parametrize("path,raw,needle", [
    ("/prompt", b"{not json", "not valid JSON"),
    ("/prompt", b"[1, 2]", "must be a JSON object"),
    ("/prompt", b"", "empty"),
    ("/queue", b'{"delete": "abc"}', "list of strings"),
    ("/queue", b'{"clear": "yes"}', "boolean"),
    ("/history", b'"clear"', "JSON object"),
    ("/free", b'{"free_memory": [1]}', "boolean"),
    ("/settings", b"[]", "JSON object"),
    ("/prompt", b"[" * 100000 + b"]" * 100000, "nested"),   # "too deeply" or "deeper than 100 levels"
    ("/prompt", b'{"prompt": ' + b"[" * 500 + b"]" * 500 + b"}", "nested deeper than"),
    # JSON allows a lone surrogate escape, but it is no text: refused where it stands, not a 500 later
    ("/prompt", b'{"prompt": {}, "prompt_id": "x\\ud800"}', "prompt_id: a string holds an unpaired UTF-16"),
    ("/prompt", b'{"prompt": {"3": {"class_type": "X", "inputs": {"text": "\\udfff"}}}}', "prompt.3.inputs.text"),
    ("/history", b'{"delete": ["\\ud800"]}', "delete[0]"),
    ("/prompt", b'{"prompt": {}, "extra_data": {"extra_pnginfo": "abc"}}', "extra_pnginfo' must be a JSON object"),
    ("/queue", b'{"delete": ["\\uDBFF"]}', "unpaired UTF-16 surrogate"),
])
def test_bad_json_bodies_get_400_with_message(server, path, raw, needle):
    status, body, _ = request(server.base, "POST", path, raw=raw, headers={"Content-Type": "application/json"})
    assert status == 400 and needle in body["error"], body


def test_wrong_prompt_shapes_get_comfyui_errors(server):
    status, body, _ = request(server.base, "POST", "/prompt", {"client_id": "x"})
    assert status == 400 and body["error"]["type"] == "no_prompt"
    status, body, _ = request(server.base, "POST", "/prompt", {"prompt": {"1": 5}})
    assert status == 400 and body["error"]["type"] == "invalid_prompt"
    status, body, _ = request(server.base, "POST", "/prompt", {"prompt": {"1": {"inputs": {}}}})
    assert status == 400 and "class_type" in body["error"]["message"]
    status, body, _ = request(server.base, "POST", "/prompt", {"prompt": GOOD_WF, "number": "first"})
    assert status == 400 and "number" in body["error"]
    status, body, _ = request(server.base, "POST", "/prompt",
                              {"prompt": {"1": {"class_type": "ToyOutput", "inputs": {}}}})
    assert status == 400 and body["error"]["type"] == "prompt_outputs_failed_validation"
    assert body["node_errors"]["1"]["errors"][0]["type"] == "required_input_missing"
    status, body, _ = request(server.base, "POST", "/history?max_items=abc", {})
    status, body, _ = request(server.base, "GET", "/history?max_items=abc")
    assert status == 400 and "max_items" in body["error"]


class BrokenRegistry:
    web_dirs: dict = {}

    def all_node_info(self):
        raise RuntimeError("registry exploded")

    def get(self, name):
        return None


def test_handler_exception_is_500_json_and_server_survives(tmp_path):
    from tests.server.live import make_engine
    _, executor, paths = make_engine(str(tmp_path))
    srv = LiveServer(str(tmp_path), executor=executor, registry=BrokenRegistry(), paths=paths)
    try:
        status, body, _ = request(srv.base, "GET", "/object_info")
        assert status == 500 and "registry exploded" in body["error"]
        assert request(srv.base, "GET", "/queue")[0] == 200
    finally:
        srv.stop()


def test_disable_api_nodes_adds_content_security_policy(make_server, server):
    srv = make_server(disable_api_nodes=True)
    for path in ("/queue", "/view?filename=missing.png"):
        _, _, headers = request(srv.base, "GET", path)
        assert "connect-src 'self'" in headers["Content-Security-Policy"], path
    assert "Content-Security-Policy" not in request(server.base, "GET", "/queue")[2]
