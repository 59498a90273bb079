"""A fault server for the wizard's writes: a proxy in front of moto's own server.

Real AWS sometimes performs a call and answers late (or not at all, or with a 5xx, or with an
empty 200). The proxy reproduces that over real sockets: it forwards the request to moto, so
the call happens, and then answers after the client's read timeout, or answers 500 or an empty
body; it can also drop a request without forwarding it, refuse it as AWS would, or send this
process a signal when a call arrives. Every request's action is recorded in order.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from graph.sources import AwsConnection

#: Proxy behaviours: forward and answer `delay` s later; forward and answer 500; forward and
#: answer an empty 200; drop without forwarding; refuse (400) without forwarding; forward.
MODES = ("late", "5xx", "empty", "lost", "refuse", "pass")


@dataclass
class Rule:
    action: str
    mode: str
    times: int = 1
    #: Matching requests to let through before the rule applies.
    skip: int = 0
    #: Run when the rule fires, before the request is forwarded (e.g. send a signal).
    before: Callable[[], None] | None = None


@dataclass
class LateProxy:
    upstream: str
    delay: float
    url: str = ""
    rules: list[Rule] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: str, mode: str, times: int = 1, skip: int = 0,
            before: Callable[[], None] | None = None) -> None:
        assert mode in MODES, mode
        with self.lock:
            self.rules.append(Rule(action, mode, times, skip, before))

    def count(self, action: str) -> int:
        return self.seen.count(action)

    def take(self, action: str) -> Rule | None:
        """The rule for this request: every matching rule counts it against its `skip`."""
        chosen: Rule | None = None
        with self.lock:
            self.seen.append(action)
            for rule in self.rules:
                if rule.action != action:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                elif rule.times > 0 and chosen is None:
                    rule.times -= 1
                    chosen = rule
        return chosen


def _error(service: str, code: str, message: str) -> bytes:
    if service == "ec2":
        return (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                "</Error></Errors><RequestID>r</RequestID></Response>").encode()
    return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}"
            "</Message></Error><RequestId>r</RequestId></ErrorResponse>").encode()


def _handler(proxy: LateProxy) -> type[BaseHTTPRequestHandler]:
    target = urllib.parse.urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            conn.request(self.command, self.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            conn.close()
            kept = [(k, v) for k, v in reply.getheaders()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection")]
            return reply.status, kept, data

        def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            try:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting: that is the point

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            action = (form.get("Action") or query.get("Action") or [""])[0]
            service = "ec2" if "/ec2/" in self.headers.get("Authorization", "") else "iam"
            rule = proxy.take(action)
            mode = rule.mode if rule is not None else "pass"
            if rule is not None and rule.before is not None:
                rule.before()
            if mode == "lost":
                time.sleep(proxy.delay)
                return
            if mode == "refuse":
                self._answer(400, [("Content-Type", "text/xml")],
                             _error(service, "Injected", "injected refusal"))
                return
            status, headers, data = self._forward(body)
            if mode == "late":
                time.sleep(proxy.delay)
            elif mode == "5xx":
                status, data = 500, _error(service, "InternalFailure", "injected 500")
            elif mode == "empty":
                status, data = 200, b""
            self._answer(status, headers, data)

        do_GET = do_POST = _serve

    return Handler


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


@pytest.fixture
def late_proxy(moto_server: str) -> Iterator[LateProxy]:
    """A fresh moto account behind a proxy that answers 2.5 s late (client timeout: 1.5 s)."""
    reset(moto_server)
    proxy = LateProxy(moto_server, delay=2.5)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield proxy
    server.shutdown()
    server.server_close()


def connection(endpoint: str, region: str, timeout: float = 1.5) -> AwsConnection:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                            region_name=region)
    return AwsConnection(session, endpoint_url=endpoint, regions=(region,),
                         retry_mode="standard", max_attempts=3, timeout=timeout)
