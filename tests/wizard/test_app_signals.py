"""SIGTERM and SIGHUP in the app: the wizard's writes in a worker roll back first (#21 item 11).

The app's writes run in a worker thread, where no signal handler can interrupt them; the app
catches the signal on its event loop and asks the writes to stop with a StopRequest, which
apply checks before each call. The app then leaves with 128 + the signal's number.
"""

from __future__ import annotations

import signal

import pytest

from graph.sources import LoadedSource, SourceSpec
from graph.wizard import apply_plan
from graph.wizard.interrupts import StopRequest
from tui.app import RolemapApp
from tui.signals import AppSignals

from .conftest import MotoAccount
from .test_apply import account_state, make_plan


class _Stopping:
    """A progress callback that requests a stop once `after` calls have been made."""

    def __init__(self, stop: StopRequest, after: int) -> None:
        self.stop, self.after = stop, after

    def __call__(self, step: str, done: int, total: int) -> None:
        if done == self.after:
            self.stop.request(signal.SIGTERM)


@pytest.mark.parametrize("after", [1, 4, 7])
def test_a_stop_request_rolls_back_what_was_written(moto_account: MotoAccount,
                                                    after: int) -> None:
    acct = moto_account
    before = account_state(acct)
    stop = StopRequest()
    result = apply_plan(make_plan(acct), acct.connection, attach=[acct.bare, acct.profiled],
                        progress=_Stopping(stop, after), stop=stop)
    assert not result.ok
    assert len(result.completed) == after  # stopped before the next call, not after it
    assert account_state(acct) == before
    assert any("SIGTERM" in line for line in result.lines())


def test_a_signal_with_no_writes_leaves_at_once() -> None:
    left: list[int] = []
    signals = AppSignals(left.append)
    signals.received(signal.SIGHUP)
    assert left == [129]


def test_a_signal_during_writes_waits_for_the_rollback() -> None:
    left: list[int] = []
    signals = AppSignals(left.append)
    stop = signals.writing()
    signals.received(signal.SIGTERM)
    signals.received(signal.SIGTERM)  # held: the rollback must not be cut short
    assert stop.is_set() and stop.signum == signal.SIGTERM and left == []
    signals.written(stop)
    assert left == [143]
    # Writes started after the signal stop before their first call.
    assert signals.writing().is_set()


async def test_the_app_exits_143_on_sigterm(tmp_path: object) -> None:
    from graph.model import Account, AccountSnapshot, Bucket

    snapshot = AccountSnapshot(Account("123456789012"),
                               buckets=(Bucket("b", "us-east-1"),))
    spec = SourceSpec(snapshot="x.json")

    def opener(spec: SourceSpec, progress: object = None) -> LoadedSource:
        return LoadedSource(spec, snapshot)

    app = RolemapApp(spec, opener=opener)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.signals.received(signal.SIGTERM)
        await pilot.pause()
    assert app.return_code == 143
