"""The environment's proxy settings apply to upstream requests, as requests reads them, read
once per upstream (at its first request); a netrc file is never read.

A forward proxy on loopback answers every request itself and records its request line: a
request sent through a proxy carries the absolute URL (``GET http://host:port/path``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from idv.oz.client import OzApi


class Proxy:
    def __init__(self) -> None:
        self.lines: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy.lines.append(self.requestline)
                body = json.dumps({"core": "via-proxy"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    yield server
    server.stop()


def client(url: str) -> OzApi:
    return OzApi(url, connect_timeout=1, read_timeout=2)


def test_http_proxy_from_the_environment_carries_the_requests(oz, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    api = client(oz.url)
    assert api.version()["core"] == "via-proxy"
    assert api.version()["core"] == "via-proxy"
    assert proxy.lines == [f"GET {oz.url}/api/version HTTP/1.1"] * 2


def test_no_proxy_sends_that_host_direct(oz, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert client(oz.url).version()["core"] != "via-proxy"
    assert proxy.lines == []


def test_without_proxy_variables_requests_go_direct(oz, proxy, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert client(oz.url).version()["core"] != "via-proxy"
    assert proxy.lines == []


def test_the_environment_is_read_once_per_upstream_not_per_request(oz, proxy, monkeypatch):
    # Given a client whose first request went direct (a Lambda instance's environment never
    # changes: requests' reading of it on every request is work the relay need not repeat)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    api = client(oz.url)
    assert api.version()["core"] != "via-proxy"
    # When a proxy appears in the environment afterwards
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    # Then that client keeps going direct, and a new one takes the proxy
    assert api.version()["core"] != "via-proxy"
    assert proxy.lines == []
    assert client(oz.url).version()["core"] == "via-proxy"


def test_credentials_in_a_netrc_file_never_reach_an_upstream(oz, monkeypatch, tmp_path):
    # Given a netrc file naming the upstream's host, as requests would read it
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-for-oz\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    # When the client calls the upstream
    client(oz.url).version()
    # Then no Authorization header went with it
    assert not {name.lower() for name in oz.requests[-1].headers} & {"authorization"}
