"""A command stopped while writing leaves nothing behind, however it is stopped (issue 21).

Real `rolemap` processes, signalled mid-write, alone or with their process group (a
`timeout`, a cancelled CI job, a closed SSH session): SIGTERM and SIGHUP exit 143 / 129 with
one line on stderr; SIGKILL cannot be caught, so the temporary has no name until it is
complete (O_TMPFILE), or, where that is unavailable, the next write to the folder removes it.
The folder then holds exactly what it held before, the old target untouched.

`rolemap export` is stopped while its processes are really writing (a synthetic account big
enough to take seconds). The other commands write their output in one go at the end: a gate
holds them with the whole temporary written, just before it would take the target's place.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.sources.export_folder import load_export_folder
from graph.sources.snapshot_file import save_snapshot
from graph.sources.synth import write_synthetic

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="process-group signals and /proc: Linux")

#: Runs `rolemap ARGV` (tui.cli.main) after optionally: making unnamed temporaries unavailable
#: (as on a filesystem without O_TMPFILE), and pausing each write under WATCHED just before
#: its temporary is put in place, having written MARKER.
GATE = """
import sys, time
from pathlib import Path
from graph import temp_files
marker, watched, mode, *argv = sys.argv[1:]
if mode == "named":
    temp_files._unnamed = lambda folder, perm: None
if marker:
    put = temp_files.put_in_place
    def paused(tmp, target):
        if Path(watched).resolve() in Path(target).resolve().parents:
            Path(marker).write_text("written")
            time.sleep(120)
        return put(tmp, target)
    temp_files.put_in_place = paused
from tui.cli import main
sys.exit(main(argv))
"""

SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP, "SIGKILL": signal.SIGKILL}
EXIT = {"SIGTERM": 143, "SIGHUP": 129, "SIGKILL": -signal.SIGKILL}
OLD = b"the previous output\n"


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small account (quick to load) and a mid-sized one (its export takes seconds)."""
    base = tmp_path_factory.mktemp("accounts")
    out = {}
    for name, counts in {"small": (50, 200, 40), "mid": (400, 2000, 400)}.items():
        roles, instances, buckets = counts
        folder = write_synthetic(base / name, roles=roles, instances=instances,
                                 buckets=buckets, seed=3)
        out[name] = base / f"{name}.json"
        save_snapshot(load_export_folder(folder), out[name])
    return out


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The process's temporary folder is one of the test's, to see it left clean too."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return {**os.environ, "TMPDIR": str(scratch)}


def listing(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry, hidden ones included, with size, modification time and mode."""
    out = {}
    for entry in os.scandir(folder):
        info = entry.stat(follow_symlinks=False)
        out[entry.name] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return out


def spawn(argv: list[str], env: dict[str, str], *, marker: Path | None = None,
          watched: Path | None = None, named: bool = False) -> subprocess.Popen[str]:
    """`rolemap ARGV` in its own session (so its group can be signalled apart from pytest's),
    with SIGHUP at its default action even if this test runs under nohup."""
    if marker is None and not named:
        rolemap = Path(sys.executable).with_name("rolemap")
        cmd = [str(rolemap)] if rolemap.exists() else [sys.executable, "-m", "tui.cli"]
        cmd += argv
    else:
        cmd = [sys.executable, "-c", GATE, str(marker or ""), str(watched or ""),
               "named" if named else "unnamed", *argv]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))


def wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen[str],
             timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"rolemap ended ({proc.returncode}) before {what}: {proc.stderr.read()}"
                        if proc.stderr else what)
        if time.monotonic() > end:
            proc.kill()
            pytest.fail(f"never saw {what}")
        time.sleep(0.01)


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a dead child not yet reaped by init holds no file)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def temporaries(pid: int, folder: Path) -> Iterator[int]:
    """Sizes of the files `pid` has open in `folder` that are not (yet) its entries."""
    fds = Path(f"/proc/{pid}/fd")
    for fd in os.listdir(fds) if fds.exists() else ():
        try:
            link = os.readlink(fds / fd)
            if link.startswith(f"{folder}/") and (link.endswith(" (deleted)")
                                                   or ".rolemap-" in link):
                yield os.stat(fds / fd).st_size
        except OSError:
            continue


def stop(proc: subprocess.Popen[str], name: str, group: bool) -> str:
    if group:
        os.killpg(proc.pid, SIGNALS[name])
    else:
        os.kill(proc.pid, SIGNALS[name])
    _, err = proc.communicate(timeout=60)
    return err


def check_stopped(proc: subprocess.Popen[str], name: str, err: str) -> None:
    assert proc.returncode == EXIT[name], err
    if name != "SIGKILL":
        assert "Traceback" not in err, err
        lines = err.strip().splitlines()
        assert lines[-1] == f"rolemap: stopped by {name} (temporary files removed)", err
        assert sum("stopped by" in line for line in lines) == 1, err


def target_folder(tmp_path: Path) -> Path:
    """The output folder, holding a file of its own and the previous output."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("not rolemap's\n")
    return folder


@pytest.mark.parametrize("group", [False, True], ids=["process", "group"])
@pytest.mark.parametrize("name", list(SIGNALS))
def test_export_stopped_mid_write_leaves_nothing(
        accounts: dict[str, Path], env: dict[str, str], tmp_path: Path, name: str,
        group: bool) -> None:
    folder = target_folder(tmp_path)
    out = folder / "roles.csv"
    out.write_bytes(OLD)
    before = listing(folder)
    proc = spawn(["export", "--snapshot", str(accounts["mid"]), "--format", "csv", "-j", "2",
                  "-o", str(out)], env)
    writers: list[int] = []

    def mid_write() -> bool:
        writers[:] = children(proc.pid)
        return bool(writers) and any(size > 0 for size in temporaries(proc.pid, folder))

    wait_for("both export processes writing", mid_write, proc)
    err = stop(proc, name, group)
    check_stopped(proc, name, err)
    # The writers end with rolemap, even when SIGKILL reached rolemap alone (Linux: their
    # parent-death signal), instead of rendering on into a file nobody will see.
    end = time.monotonic() + 1
    while any(running(pid) for pid in writers) and time.monotonic() < end:
        time.sleep(0.02)
    assert not [pid for pid in writers if running(pid)], "a writer outlived rolemap"
    assert listing(folder) == before and out.read_bytes() == OLD
    assert not os.listdir(env["TMPDIR"])


#: Commands writing in one go: argv (with {out}, {small}), the target's name.
ONE_GO = {
    "snapshot save": (["snapshot", "save", "{out}", "--snapshot", "{small}"], "snap.json"),
    "snapshot synth file": (["snapshot", "synth", "{out}", "--size", "small"], "synth.json"),
    "snapshot synth folder": (["snapshot", "synth", "{out}", "--size", "small"], "synth"),
    "findings -o": (["findings", "--snapshot", "{small}", "--format", "md", "-o", "{out}"],
                    "findings.md"),
    "diff -o": (["diff", "{small}", "{small}", "--format", "json", "-o", "{out}"], "diff.json"),
}
#: Each command meets each signal; half of the pairs signal the process, half its group.
CASES = [pytest.param(cmd, name, (i + j) % 2 == 1,
                      id=f"{cmd}-{name}-{'group' if (i + j) % 2 else 'process'}")
         for i, cmd in enumerate(ONE_GO) for j, name in enumerate(SIGNALS)]


@pytest.mark.parametrize(("command", "name", "group"), CASES)
def test_one_go_writers_stopped_leave_nothing(
        accounts: dict[str, Path], env: dict[str, str], tmp_path: Path, command: str,
        name: str, group: bool) -> None:
    folder = target_folder(tmp_path)
    argv, target = ONE_GO[command]
    out = folder / target
    if command != "snapshot synth folder":
        out.write_bytes(OLD)
    before = listing(folder)
    marker = tmp_path / "written"
    proc = spawn([a.format(out=out, small=accounts["small"]) for a in argv], env,
                 marker=marker, watched=folder)
    wait_for("the output written", marker.exists, proc)
    err = stop(proc, name, group)
    check_stopped(proc, name, err)
    after = listing(folder)
    if command == "snapshot synth folder" and name == "SIGKILL":
        # A folder cannot be unnamed: the hidden one SIGKILL left goes with the next write.
        left = set(after) - set(before)
        assert len(left) == 1 and left.pop().startswith(".synth.rolemap-"), after
        save = spawn(["snapshot", "save", str(folder / "next.json"), "--snapshot",
                      str(accounts["small"])], env)
        assert save.wait(timeout=60) == 0
        after = listing(folder)
        del after["next.json"]
    assert after == before
    if out.is_file():
        assert out.read_bytes() == OLD
    assert not os.listdir(env["TMPDIR"])


def test_without_unnamed_files_a_killed_export_is_swept_by_the_next_write(
        accounts: dict[str, Path], env: dict[str, str], tmp_path: Path) -> None:
    """Where O_TMPFILE is unavailable, SIGKILL leaves the named temporary; the next write to
    that folder (by another command) removes it, as its process is gone."""
    folder = target_folder(tmp_path)
    out = folder / "roles.csv"
    before = listing(folder)
    proc = spawn(["export", "--snapshot", str(accounts["mid"]), "--format", "csv", "-j", "2",
                  "-o", str(out)], env, named=True)
    wait_for("the named temporary written",
             lambda: any(size > 0 for size in temporaries(proc.pid, folder)), proc)
    left = [p for p in listing(folder) if p not in before]
    assert len(left) == 1 and left[0].startswith(".roles.csv.rolemap-"), left
    err = stop(proc, "SIGKILL", group=True)
    check_stopped(proc, "SIGKILL", err)
    assert (folder / left[0]).exists(), "SIGKILL cannot be caught: the temporary stays"
    nxt = spawn(["findings", "--snapshot", str(accounts["small"]), "-o",
                 str(folder / "f.txt")], env, named=True)
    assert nxt.wait(timeout=60) == 0
    after = listing(folder)
    del after["f.txt"]
    assert after == before


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_without_unnamed_files_a_stop_removes_the_temporary(
        accounts: dict[str, Path], env: dict[str, str], tmp_path: Path, name: str) -> None:
    folder = target_folder(tmp_path)
    out = folder / "findings.md"
    before = listing(folder)
    marker = tmp_path / "written"
    proc = spawn(["findings", "--snapshot", str(accounts["small"]), "--format", "md", "-o",
                  str(out)], env, marker=marker, watched=folder, named=True)
    wait_for("the output written", marker.exists, proc)
    assert any(p.startswith(".findings.md.rolemap-") for p in listing(folder))
    err = stop(proc, name, group=False)
    check_stopped(proc, name, err)
    assert listing(folder) == before


def test_ctrl_c_still_exits_130_and_cleans_up(
        accounts: dict[str, Path], env: dict[str, str], tmp_path: Path) -> None:
    folder = target_folder(tmp_path)
    out = folder / "snap.json"
    before = listing(folder)
    marker = tmp_path / "written"
    proc = spawn(["snapshot", "save", str(out), "--snapshot", str(accounts["small"])], env,
                 marker=marker, watched=folder, named=True)
    wait_for("the output written", marker.exists, proc)
    os.kill(proc.pid, signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert listing(folder) == before


def test_a_hangup_the_process_ignores_stays_ignored(
        accounts: dict[str, Path], env: dict[str, str], tmp_path: Path) -> None:
    """`nohup rolemap export …` must survive its terminal closing."""
    folder = target_folder(tmp_path)
    out = folder / "snap.json"
    marker = tmp_path / "written"
    cmd = [sys.executable, "-c", GATE.replace("time.sleep(120)", "time.sleep(1.5)"),
           str(marker), str(folder), "unnamed", "snapshot", "save", str(out), "--snapshot",
           str(accounts["small"])]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    wait_for("the output written", marker.exists, proc)
    os.kill(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.read_bytes().startswith(b"{")
