"""The web app against hostile pages and careless operators, over real HTTP to the real uvicorn server `serve` runs:
DNS rebinding (Host header), cross-site and `Origin: null` writes, a token beyond loopback, slow clients, and
reads that never wait behind a write."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from wiretrace.pipeline import Context, analyze
from wiretrace.samples import corpus_path
from wiretrace.store import Store
from wiretrace.web import server as web_server
from wiretrace.web.app import create_app, is_loopback


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("websec") / "w.db"
    ctx = Context()
    ctx.config.embedder = "lexical"
    ctx.config.multilingual_embedder = "none"
    with Store(path) as store:
        analyze([str(corpus_path())], store, ctx)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    def __init__(self, app, host: str = "127.0.0.1") -> None:  # noqa: ANN001
        import uvicorn

        self.port = _free_port()
        self.server = uvicorn.Server(web_server.server_config(app, host, self.port))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        assert self.server.started
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None,
                body: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


@pytest.fixture(scope="module")
def local(db: Path) -> Iterator[Running]:
    with Running(create_app(db)) as running:
        yield running


def test_host_header_of_another_name_is_refused(local: Running) -> None:
    assert local.request("/api/stories")[0] == 200
    assert local.request("/api/stories", headers={"Host": f"localhost:{local.port}"})[0] == 200
    for evil in ("evil.example", f"rebind.attacker.test:{local.port}", "127.0.0.1.evil.example"):
        status, _, body = local.request("/api/stories", headers={"Host": evil})
        assert status == 421, evil
        assert b"Host" in body


@pytest.mark.parametrize("headers", [
    {"Origin": "null"},
    {"Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_cross_site_writes_are_refused(local: Running, headers: dict[str, str]) -> None:
    status, _, _ = local.request("/api/check", "POST", headers, {"text": "A pasted text to add.", "add": True})
    assert status == 403
    with Store(local.server.config.app.state.wiretrace.path) as store:  # nothing was added
        assert not any(a.source == "api:check" for a in store.iter_articles())


def test_same_origin_post_is_accepted(local: Running) -> None:
    status, _, body = local.request("/api/check", "POST", {"Origin": f"http://127.0.0.1:{local.port}"},
                                    {"text": "Meridian Wire said the harbour bridge reopened on Monday."})
    assert status == 200 and "matches" in json.loads(body)


def test_beyond_loopback_every_request_needs_the_token(db: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
    with Running(create_app(db, host="0.0.0.0", token="s3cret-token")) as srv:
        assert srv.request("/api/stories")[0] == 401
        assert srv.request("/api/stories", headers={"Authorization": "Bearer wrong"})[0] == 401
        assert srv.request("/api/stories", headers={"Authorization": "Bearer s3cret-token"})[0] == 200
        status, headers, _ = srv.request("/?token=s3cret-token&sort=size")
        assert status == 303 and headers["location"] == "/?sort=size"
        cookie = headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert srv.request("/", headers={"Cookie": cookie.split(";")[0]})[0] == 200


def test_slow_request_head_is_cut_off(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_server.TimedH11Protocol, "header_timeout", 1.0)
    with Running(create_app(db)) as srv:
        t = time.perf_counter()
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            closed = False
            for _ in range(40):  # drip a header byte every 0.2 s, as a slowloris client does
                try:
                    sock.sendall(b"X")
                    if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
                    break
                time.sleep(0.2)
        assert closed and time.perf_counter() - t < 5
        assert srv.request("/api/stories")[0] == 200  # the server itself is fine


def test_reads_never_wait_behind_a_write(db: Path, tmp_path: Path) -> None:
    """While an "add" waits on the store's write lock (held here by another connection, as a concurrent
    `analyze` would), pages answer at once."""
    import shutil

    copy = tmp_path / "w.db"
    shutil.copy(db, copy)
    with Running(create_app(copy)) as srv:
        assert srv.request("/api/stories")[0] == 200  # warm
        other = sqlite3.connect(copy, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # a writer holds the store
        added: list[int] = []
        adder = threading.Thread(target=lambda: added.append(srv.request(
            "/api/check", "POST", None, {"text": "Port Sella council said the harbour bridge will reopen soon. "
                                                 "Traffic is expected to be light.", "add": True})[0]))
        adder.start()
        time.sleep(0.5)
        latencies = []
        stories = json.loads(srv.request("/api/stories")[2])["stories"]
        for _ in range(10):
            for path in ("/api/stories", f"/stories/{stories[0]['id']}", "/"):
                t = time.perf_counter()
                assert srv.request(path)[0] == 200
                latencies.append(time.perf_counter() - t)
        assert adder.is_alive()  # the add was still waiting all along
        other.execute("COMMIT")
        other.close()
        adder.join(120)
        assert added == [200]
        assert max(latencies) < 2.0, latencies


def test_serve_beyond_loopback_warns_and_requires_its_printed_token(db: Path) -> None:
    """The real `wiretrace serve --host 0.0.0.0`: a warning with the token on stderr, 401 without it, 200 with it."""
    import os
    import re
    import shutil
    import subprocess
    import sys

    exe = shutil.which("wiretrace", path=str(Path(sys.executable).parent)) or shutil.which("wiretrace")
    if exe is None:
        pytest.skip("the wiretrace command is not installed")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("WIRETRACE_TOKEN", None)
    proc = subprocess.Popen([exe, "serve", "--db", str(db), "--host", "0.0.0.0", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        while not any("serving" in ln and "wiretrace:" in ln for ln in lines):
            line = proc.stderr.readline()
            assert line, f"serve exited: {lines}"
            lines.append(line)
        warning = next(ln for ln in lines if ln.startswith("warning: serving on 0.0.0.0"))
        token = re.search(r"\?token=([\w-]+)", warning).group(1)
        url = f"http://127.0.0.1:{port}/api/stories"
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
                raise AssertionError("answered without the token")
            except urllib.error.HTTPError as err:
                assert err.code == 401
                break
            except urllib.error.URLError:
                assert time.time() < deadline
                time.sleep(0.2)
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        assert urllib.request.urlopen(req, timeout=30).status == 200
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_corrupt_page_is_a_503_with_one_line_not_a_500(db: Path, tmp_path: Path) -> None:
    import shutil

    from fastapi.testclient import TestClient

    copy = tmp_path / "w.db"
    shutil.copy(db, copy)
    with Store(copy) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = store.conn.execute("PRAGMA page_size").fetchone()[0]
        root = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name='stories'").fetchone()[0]
    raw = bytearray(copy.read_bytes())
    raw[(root - 1) * page : (root - 1) * page + 200] = b"\xff" * 200  # the stories table's root page
    copy.write_bytes(bytes(raw))
    client = TestClient(create_app(copy), base_url="http://127.0.0.1", raise_server_exceptions=False)
    response = client.get("/api/stories")
    assert response.status_code == 503
    assert "corrupt" in response.json()["detail"]
