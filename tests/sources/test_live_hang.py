"""A live endpoint that accepts connections and never answers (issue #13 item 3).

botocore's defaults (60 s read timeout, 8 attempts in adaptive mode) once made one hung call
cost eight minutes. With short timeouts here, a hung kind of call must become warnings
(unknown, never "no") well within the alarm, other calls must still be read, and the progress
line must say which call is waiting. A real socket server on 127.0.0.1, not a fake response.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from graph.errors import SourceError
from graph.model import UNKNOWN_ACL, UNKNOWN_POLICY
from graph.sources.connection import AwsConnection
from graph.sources.demo import demo_endpoint
from graph.sources.live import load_live
from tui.cli import main


@pytest.fixture
def silent_server() -> Iterator[str]:
    """http://127.0.0.1:PORT that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture(autouse=True)
def alarm() -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("the load hung on a silent endpoint")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _connection(endpoint: str, timeout: float, attempts: int) -> AwsConnection:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                            region_name="us-east-1")
    return AwsConnection(session, endpoint_url=endpoint, retry_mode="standard",
                         max_attempts=attempts, timeout=timeout)


def test_a_hung_kind_of_call_becomes_warnings_and_the_rest_loads(
        demo_conn: AwsConnection, silent_server: str) -> None:
    conn = _connection(demo_endpoint(), timeout=1.5, attempts=2)
    sent: list[str] = []

    def to_silence(request: Any, **_: Any) -> None:
        sent.append(request.url)
        request.url = silent_server + "/" + request.url.split("/", 3)[3]  # same path, silence

    conn.session.events.register("before-send.s3.GetBucketPolicy", to_silence)
    seen: list[str] = []
    snapshot = load_live(conn, ("us-east-1", "eu-west-1"),
                         progress=lambda step, done, total: seen.append(step))
    buckets = snapshot.buckets
    assert len(buckets) == 7
    assert all(UNKNOWN_POLICY in b.unknown for b in buckets)  # unknown, never "no policy"
    assert not any(UNKNOWN_ACL in b.unknown for b in buckets)  # the other reads still ran
    policy_warnings = [w for w in snapshot.warnings if w.operation == "s3:GetBucketPolicy"]
    assert len(policy_warnings) == 7
    assert any(w.code == "ReadTimeoutError" for w in policy_warnings)
    # Once a kind has timed out, the remaining calls of that kind are not sent at all.
    assert len(sent) <= 2 * 8  # at most the calls already in flight (8 workers, 2 attempts)
    assert any("waiting for s3:GetBucketPolicy" in step for step in seen), seen
    assert snapshot.roles and snapshot.instances


def test_a_silent_endpoint_for_every_call_is_one_error(silent_server: str) -> None:
    conn = _connection(silent_server, timeout=1.0, attempts=2)
    with pytest.raises(SourceError, match="sts:GetCallerIdentity failed: Read timeout"):
        load_live(conn, ("us-east-1",))


def test_the_cli_takes_the_timeout_and_attempts(silent_server: str,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_server)
    assert main(["who-can", "b", "--timeout", "0.5", "--max-attempts", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rolemap: error: sts:GetCallerIdentity failed") and "\n" not in err


def test_the_watch_names_the_longest_waiting_call_and_skips_a_hung_kind() -> None:
    from botocore.exceptions import ReadTimeoutError

    from graph.sources.calls import CallKindHung, CallWatch

    now = [100.0]
    lines: list[str] = []
    watch = CallWatch(lambda step, done, total: lines.append(step), clock=lambda: now[0])
    with watch.call("s3:GetBucketAcl", "logs"):
        now[0] += 1.0
        assert watch.waiting() is None  # a second is not worth a line
        now[0] += 13.0
        assert watch.waiting() == "waiting for s3:GetBucketAcl logs (14 s)"
    assert watch.waiting() is None
    with pytest.raises(ReadTimeoutError), watch.call("s3:GetBucketPolicy", "a"):
        raise ReadTimeoutError(endpoint_url="http://x")
    with pytest.raises(CallKindHung, match="earlier s3:GetBucketPolicy call"), \
            watch.call("s3:GetBucketPolicy", "b"):
        pytest.fail("a call of a hung kind must not be sent")
    with watch.call("s3:GetBucketAcl", "b"):
        pass  # other kinds still go
