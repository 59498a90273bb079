"""The demo built once and cached: later opens read a file and start no emulator; --fresh
rebuilds; a broken cache is rebuilt with one warning; the wizard still creates in it."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.errors import SourceError
from graph.sources import LoadedSource, SourceSpec, demo_cache, demo_cast, open_source
from graph.sources import demo as demo_module
from graph.sources.demo_cache import CACHE_ENV, cache_key, cache_path
from graph.sources.demo_lazy import LazyDemoConnection
from graph.sources.snapshot_file import load_snapshot, save_snapshot
from graph.wizard import BucketGrant, RolePlan, apply_plan
from graph.wizard.apply import preflight
from tui.cli import main
from tui.views.rows import pending_rows

DEMO = SourceSpec(demo=True)
FRESH = SourceSpec(demo=True, fresh=True)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test only."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def emulator_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records every start of the emulator and every seeding of the cast (both still run)."""
    calls: list[str] = []
    endpoint, reset = demo_module.demo_endpoint, demo_module.reset_demo

    def counted_endpoint() -> str:
        calls.append("start")
        return endpoint()

    def counted_reset():  # type: ignore[no-untyped-def]
        calls.append("seed")
        return reset()

    monkeypatch.setattr(demo_module, "demo_endpoint", counted_endpoint)
    monkeypatch.setattr(demo_module, "reset_demo", counted_reset)
    yield calls


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ids(loaded: LoadedSource) -> tuple[list[str], list[str]]:
    snap = loaded.snapshot
    return sorted(r.role_id for r in snap.roles), sorted(i.instance_id for i in snap.instances)


def test_second_open_reads_the_cache_and_starts_no_emulator(
        cache: Path, emulator_calls: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, built, _ = run(capsys, "--demo", "findings", "--format", "json")
    assert code == 0 and "seed" in emulator_calls
    files = list(cache.glob("demo-*.json"))
    assert files == [cache_path()]
    assert files[0].stat().st_mode & 0o777 == 0o600  # the account's IAM: owner only

    emulator_calls.clear()
    code, cached, err = run(capsys, "--demo", "findings", "--format", "json")
    assert code == 0 and err == ""
    assert emulator_calls == []  # the fast path: no emulator, no seeding
    assert json.loads(cached) == json.loads(built)

    loaded = open_source(DEMO)
    assert emulator_calls == []
    assert isinstance(loaded.connection, LazyDemoConnection) and not loaded.connection.live
    assert loaded.snapshot.source.kind == "demo" and loaded.snapshot.warnings == ()
    assert loaded.connection.account_id == "123456789012"  # no call needed for it
    assert emulator_calls == []


def test_fresh_rebuilds_the_cache(cache: Path, emulator_calls: list[str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    open_source(DEMO)
    path = cache_path()
    # A cache that lost a bucket: the plain --demo serves it (it is the cache being read) ...
    tampered = load_snapshot(path)
    full = len(tampered.buckets)
    tampered = dataclasses.replace(tampered, buckets=tampered.buckets[1:])
    save_snapshot(tampered, path)
    gone = load_snapshot(cache_path()).buckets
    assert len(gone) == full - 1
    emulator_calls.clear()
    code, out, _ = run(capsys, "--demo", "snapshot", "save", str(cache.parent / "a.json"))
    assert code == 0 and emulator_calls == []
    assert len(load_snapshot(cache.parent / "a.json").buckets) == full - 1
    # ... and --fresh builds the account again, and caches what it built.
    code, out, _ = run(capsys, "--demo", "--fresh", "snapshot", "save", str(cache.parent / "b"))
    assert code == 0 and "seed" in emulator_calls
    assert len(load_snapshot(cache.parent / "b").buckets) == full
    assert len(load_snapshot(path).buckets) == full
    # --fresh is the demo's: anything else is a usage error, said before any work.
    emulator_calls.clear()
    code, _, err = run(capsys, "--fresh", "--snapshot", str(path), "findings")
    assert code == 2 and err == "rolemap: error: --fresh rebuilds the demo account: use it " \
                                "with --demo\n"
    assert emulator_calls == []


@pytest.mark.parametrize("content", [b"{\"format\": \"rolemap-snapshot\", \"vers", b"",
                                     b"\xff\xfe not json"])
def test_a_corrupt_cache_is_rebuilt_with_one_warning(
        cache: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    path = cache_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    code, out, err = run(capsys, "--demo", "findings")
    assert code == 0 and out
    lines = err.splitlines()
    assert len(lines) == 1, err  # said once (not again among the account's warnings)
    assert lines[0].startswith(f"rolemap: warning: demo cache {path}: unusable (")
    assert lines[0].endswith("); rebuilt it")
    assert load_snapshot(path).source.kind == "demo"  # rebuilt whole
    # The app lists it among its load warnings; the cache itself does not carry it.
    path.write_bytes(content)
    loaded = open_source(DEMO)
    assert [w.operation for w in loaded.snapshot.warnings] == ["demo cache"]
    shown = pending_rows(loaded.snapshot).warnings  # the app's Load warnings tab
    assert [row.values[:2] for row in shown] == [("demo cache", str(path))]
    assert load_snapshot(path).warnings == ()
    # Rebuilt once: the next open is quiet.
    code, _, err = run(capsys, "--demo", "findings")
    assert code == 0 and err == ""


def test_a_cache_folder_that_cannot_be_written_warns_and_the_demo_opens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    code, out, err = run(capsys, "--demo", "who-can", "acme-app-logs")
    assert code == 0 and "ci-runner" in out
    assert err.count("\n") == 1 and "rolemap: warning: demo cache" in err
    assert "not saved" in err and "the next --demo builds the account again" in err


def test_the_cache_key_follows_version_emulator_and_cast(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = cache_key(demo_cast.REGIONS)
    assert cache_key(demo_cast.REGIONS) == key
    versions = {"rolemap": "0.1.0", "moto": "5.2.5"}
    monkeypatch.setattr(demo_cache, "dist_version", lambda name: versions.get(name, "1"))
    base = cache_key(demo_cast.REGIONS)
    assert cache_path().name == f"demo-0.1.0-{base}.json"
    versions["rolemap"] = "0.2.0"
    assert cache_key(demo_cast.REGIONS) != base
    assert cache_path().name.startswith("demo-0.2.0-")
    versions["rolemap"] = "0.1.0"
    versions["moto"] = "5.2.6"  # new emulator, new ids: never the old account
    assert cache_key(demo_cast.REGIONS) != base
    versions["moto"] = "5.2.5"
    assert cache_key(demo_cast.REGIONS) == base
    roles = dict(demo_cast.ROLES)
    roles["web-server"] = {**roles["web-server"], "tags": {"team": "other"}}
    monkeypatch.setattr(demo_cast, "ROLES", roles)
    assert cache_key(demo_cast.REGIONS) != base
    assert cache_key(("us-east-1",)) != cache_key(demo_cast.REGIONS)


def test_the_cache_key_is_the_same_in_every_process(cache: Path) -> None:
    """Sets in the cast (IMDSV1_INSTANCES) hash in a random order per process: the key must
    not, or every run would miss the cache."""
    code = "from graph.sources.demo_cache import cache_path; print(cache_path())"
    seen = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        seen.add(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert seen == {f"{cache_path()}\n"}


def test_typos_are_said_before_any_demo_work(
        cache: Path, emulator_calls: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--demo", "who-can", "acme-app-logs", "--action", "s3:GetObjct")
    assert code == 2 and "no S3 action named 's3:GetObjct' (did you mean: s3:GetObject" in err
    code, _, err = run(capsys, "--demo", "trace", "web-1", "acme-app-logs",
                       "--action", "s3:GetObjct")
    assert code == 2 and "no S3 action named 's3:GetObjct' (did you mean: s3:GetObject" in err
    assert emulator_calls == [] and not cache.exists()


def _plan(name: str) -> RolePlan:
    return RolePlan(name=name, trusted_services=("ec2.amazonaws.com",),
                    grants=(BucketGrant.parse("read:acme-app-logs"),))


def test_the_wizard_creates_in_a_cached_demo(
        cache: Path, emulator_calls: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    open_source(FRESH)  # the cache, built by a run before this one
    emulator_calls.clear()
    loaded = open_source(DEMO)
    conn = loaded.connection
    assert isinstance(conn, LazyDemoConnection) and emulator_calls == []
    bastion = next(i for i in loaded.snapshot.instances if i.name == "bastion")

    # What the app's wizard does on Create: preflight, then apply through this connection.
    plan = _plan("reports-reader")
    preflight(plan, conn)
    assert conn.live and "seed" in emulator_calls  # started and seeded when first needed
    result = apply_plan(plan, conn, [bastion])
    assert result.ok, result.lines()
    reloaded = loaded.reload()
    assert reloaded.connection is conn
    assert "reports-reader" in reloaded.snapshot.role_by_name
    profile = "arn:aws:iam::123456789012:instance-profile/reports-reader"
    assert reloaded.snapshot.instance_by_id[bastion.instance_id].instance_profile_arn == profile
    # Seeded with the build's seed: every id of the cached account is the emulator's too.
    assert ids(reloaded)[1] == ids(loaded)[1]
    assert set(ids(loaded)[0]) <= set(ids(reloaded)[0])

    # `role create --demo` opens the cache too, and seeds a new demo for its write.
    emulator_calls.clear()
    code, out, err = run(capsys, "--demo", "role", "create", "--name", "nightly-export",
                         "--trust", "ec2.amazonaws.com", "--grant", "read:acme-app-logs",
                         "--attach", "web-1", "--yes")
    assert code == 0, out + err
    assert "created arn:aws:iam::123456789012:role/nightly-export" in out
    assert "seed" in emulator_calls


def test_a_cached_demo_without_writes_reloads_from_the_cache(
        cache: Path, emulator_calls: list[str]) -> None:
    open_source(DEMO)
    emulator_calls.clear()
    loaded = open_source(DEMO)
    again = loaded.reload()
    assert emulator_calls == []
    assert ids(again) == ids(loaded)
    assert again.snapshot.taken_at >= loaded.snapshot.taken_at


def test_ids_that_differ_from_the_cache_are_refused_and_the_cache_dropped(
        cache: Path) -> None:
    open_source(DEMO)
    path = cache_path()
    stale = load_snapshot(path)
    first = stale.instances[0]
    moved = dataclasses.replace(first, instance_id="i-0123456789abcdef0")
    save_snapshot(dataclasses.replace(stale, instances=(moved, *stale.instances[1:])), path)
    conn = open_source(DEMO).connection
    assert isinstance(conn, LazyDemoConnection)
    with pytest.raises(SourceError, match=f"instance {first.name}: i-0123456789abcdef0 is not"):
        preflight(_plan("never-made"), conn)
    assert not path.exists()  # the next open builds it again
    with pytest.raises(SourceError, match="ids differ"):
        conn.client("iam")  # and this connection writes nothing


def test_the_explorer_opens_a_cached_demo_without_checking_for_the_emulator(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import RolemapApp

    checked: list[bool] = []
    monkeypatch.setattr(demo_module, "require_emulator", lambda: checked.append(True))
    monkeypatch.setattr(RolemapApp, "run", lambda self: 0)
    assert main(["--demo"]) == 0 and checked == [True]  # nothing cached: it will be built
    open_source(DEMO)
    checked.clear()
    assert main(["--demo"]) == 0 and checked == []  # importing moto costs about 2 s
    assert main(["--demo", "--fresh"]) == 0 and checked == [True]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_at_the_cache_path_neither_hangs_the_read_nor_the_write(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = cache_path()
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    code, _, err = run(capsys, "--demo", "findings")
    assert code == 0
    assert "a FIFO (named pipe), expected a regular file); rebuilt it" in err
    assert load_snapshot(path).source.kind == "demo"


def test_a_cached_demo_still_needs_the_emulator_installed(
        cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo is an account the wizard writes to: without the `demo` extra it says how to
    install it, as before the cache (found without importing moto, which takes seconds)."""
    open_source(DEMO)
    monkeypatch.setitem(sys.modules, "moto", None)  # as if the extra were not installed
    for argv in (["--demo"], ["trace", "--demo", "web-1", "acme-app-logs"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err.count("\n") == 1
        assert "pip install 'rolemap[demo]'" in err


def test_the_cache_folder_keeps_the_newest_few_files(cache: Path) -> None:
    """Each version or cast change writes a new file: the folder does not grow without end."""
    open_source(DEMO)  # builds the cache
    snapshot = load_snapshot(cache_path())
    cache.mkdir(exist_ok=True)
    old = [cache / f"demo-0.0.{n}-old.json" for n in range(12)]
    for n, path in enumerate(old):
        path.write_text("{}")
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    (cache / "notes.txt").write_text("not ours")
    demo_cache.write_cache(cache_path(), snapshot)
    left = sorted(p.name for p in cache.iterdir())
    assert len([n for n in left if n.startswith("demo-")]) == demo_cache.KEEP_FILES
    assert cache_path().name in left and "notes.txt" in left
    assert {p.name for p in old[-(demo_cache.KEEP_FILES - 1):]} <= set(left)  # the newest
