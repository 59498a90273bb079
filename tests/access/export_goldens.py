"""Every export form of the command line, on fixed accounts, reduced to one SHA-256 each.

Shared by `test_exports_unchanged.py` (which compares) and `record_export_digests.py` (which
records): both must run the very same commands on the very same accounts, or a green test would
prove nothing.

The accounts are the stable-id demo (a snapshot file under tests/fixtures, so neither the
emulator's random ids nor its version change a byte) and seeded synthetic accounts written by
`rolemap snapshot synth` (the same seed writes the same bytes). Each case runs the command line
in this process, as a user would type it, and hashes what it wrote. The one thing in an export
that is meant to differ between two runs, the time it was generated, is replaced by a fixed
token before hashing; nothing else is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tui.cli import main

TESTS = Path(__file__).resolve().parents[1]
DEMO = TESTS / "fixtures" / "demo-stable.json"
DIGESTS = TESTS / "access" / "export_digests.json"

#: Synthetic accounts: the `rolemap snapshot synth` arguments that write each.
SYNTH: dict[str, tuple[str, ...]] = {
    "small": ("--size", "small", "--seed", "0"),
    # Two accounts of one shape, seeds 0 and 1, for the diff (small enough to compare fast).
    "tiny": ("--roles", "20", "--instances", "60", "--buckets", "15", "--policies", "8",
             "--seed", "0", "--size", "small"),
    "tiny-seed1": ("--roles", "20", "--instances", "60", "--buckets", "15", "--policies", "8",
                   "--seed", "1", "--size", "small"),
    "medium": ("--size", "medium", "--seed", "0"),
}

#: Accounts made from another one: (the account, what changes it). "small-drift" is the small
#: account after a night of ordinary drift (tests/bench_diff.py), the diff's realistic case.
DERIVED: dict[str, tuple[str, str]] = {"small-drift": ("small", "drift")}

#: The generation time, in the JSON header and the Markdown's first lines: masked, not hashed.
_STAMPS = re.compile(rb'("generated_at": ")[^"]*(")|(Generated )\S+( from)')
_HEAD = 1 << 16
_CHUNK = 1 << 24


@dataclass(frozen=True)
class Case:
    """One command: `argv` with {A} for the account's snapshot file (and {B} for a second
    one), {out} for the output file and {detail} for --detail's; `stdout` when the command
    writes only there."""

    name: str
    account: str
    argv: tuple[str, ...]
    stdout: bool = False
    second: str | None = None

    @property
    def outputs(self) -> tuple[str, ...]:
        return ("out", "detail") if "{detail}" in self.argv else ("out",)


def _export_forms(account: str, instance: str, role: str, bucket: str) -> list[Case]:
    """Every export the CLI offers on one account: each format in each row shape, the review
    with its detail, GraphML, each filter, denied rows, an assumed key, and findings."""
    cases: list[Case] = []
    for fmt in ("json", "csv"):
        for mode, flag in (("default", ()), ("per-action", ("--per-action",)),
                           ("by-role", ("--by-role",))):
            cases.append(Case(f"export-{fmt}-{mode}", account,
                              ("export", "--format", fmt, *flag, "-j", "1")))
    cases += [
        Case("export-json-by-role-j2", account,
             ("export", "--format", "json", "--by-role", "-j", "2")),
        Case("export-md-detail", account, ("export", "--format", "md", "--detail", "{detail}")),
        Case("export-md-by-role-detail", account,
             ("export", "--format", "md", "--by-role", "--detail", "{detail}")),
        Case("export-graphml", account, ("export", "--format", "graphml")),
        Case("export-json-instance", account,
             ("export", "--format", "json", "--instance", instance, "-j", "1")),
        Case("export-csv-per-action-instance", account,
             ("export", "--format", "csv", "--per-action", "--instance", instance, "-j", "1")),
        Case("export-csv-by-role-role", account,
             ("export", "--format", "csv", "--by-role", "--role", role, "-j", "1")),
        Case("export-json-bucket", account,
             ("export", "--format", "json", "--bucket", bucket, "-j", "1")),
        Case("export-md-bucket", account, ("export", "--format", "md", "--bucket", bucket)),
        Case("export-csv-include-denied", account,
             ("export", "--format", "csv", "--include-denied", "-j", "1")),
        Case("export-json-per-action-assume", account,
             ("export", "--format", "json", "--per-action", "--assume",
              "aws:SecureTransport=true", "-j", "1")),
    ]
    cases += [Case(f"findings-{fmt}", account, ("findings", "--format", fmt))
              for fmt in ("text", "json", "md", "sarif")]
    return cases


def cases() -> list[Case]:
    """Every case, named `account/what`; the medium account only by role and its findings,
    the forms whose cost grows with the account (the rest are covered on the smaller ones)."""
    demo = _export_forms("demo", "web-1", "batch-etl", "acme-customer-data")
    demo += [
        Case("who-can-json", "demo", ("who-can", "acme-customer-data", "--format", "json"),
             stdout=True),
        Case("who-can-text", "demo", ("who-can", "acme-public-website"), stdout=True),
        Case("trace-json", "demo", ("trace", "web-1", "acme-app-logs", "--format", "json"),
             stdout=True),
        Case("trace-text", "demo", ("trace", "etl-worker-1", "acme-customer-data"), stdout=True),
    ]
    small = _export_forms("small", "mobile-prod-000066", "payments-reporter-prod-00001",
                          "acme-web-logs-prod-00001")
    tiny = [Case(f"diff-{fmt}", "tiny", ("diff", "{A}", "{B}", "--format", fmt),
                 second="tiny-seed1") for fmt in ("text", "json", "md")]
    small += [Case(f"diff-drift-{fmt}", "small", ("diff", "{A}", "{B}", "--format", fmt),
                   second="small-drift") for fmt in ("text", "json", "md")]
    medium = [
        Case("export-json-by-role", "medium",
             ("export", "--format", "json", "--by-role", "-j", "2")),
        Case("export-csv-by-role", "medium",
             ("export", "--format", "csv", "--by-role", "-j", "2")),
        Case("findings-json", "medium", ("findings", "--format", "json")),
    ]
    return demo + small + tiny + medium


def key(case: Case) -> str:
    return f"{case.account}/{case.name}"


def account_file(account: str, folder: Path) -> str:
    """The account's snapshot file in `folder`, by its name there (commands run in `folder`,
    and a file's name can appear in an answer): the demo's committed file copied, or a
    synthetic account written by the command line (once)."""
    name = f"{account}.json"
    path = folder / name
    if path.exists():
        return name
    if account == "demo":
        shutil.copyfile(DEMO, path)
        return name
    if account in DERIVED:
        _derive(folder / account_file(DERIVED[account][0], folder), path)
        return name
    code = main(["snapshot", "synth", str(path), *SYNTH[account]])
    if code != 0:
        raise RuntimeError(f"rolemap snapshot synth {account}: exit {code}")
    return name


def _derive(source: Path, path: Path) -> None:
    from bench_diff import drift  # tests/bench_diff.py

    from graph.sources.snapshot_file import load_snapshot, save_snapshot

    save_snapshot(drift(load_snapshot(source)), path)


def sha256(path: Path) -> str:
    """The file's digest with the generation time masked (it is written in the first lines)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(_STAMPS.sub(_stamp, fh.read(_HEAD)))
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp(match: re.Match[bytes]) -> bytes:
    if match.group(1) is not None:
        return match.group(1) + b"<generated>" + match.group(2)
    return match.group(3) + b"<generated>" + match.group(4)


def run(case: Case, folder: Path) -> dict[str, str]:
    """Run `case` in `folder` (its accounts made there once; its outputs written there and
    removed after); returns {output name: digest}."""
    names = {"out": "out", "detail": "detail"}
    swap = {"{A}": account_file(case.account, folder),
            "{B}": account_file(case.second, folder) if case.second else "",
            "{out}": names["out"], "{detail}": names["detail"]}
    argv = [swap.get(a, a) for a in case.argv]
    if "{A}" not in case.argv:
        argv += ["--snapshot", swap["{A}"]]
    if not case.stdout:
        argv += ["-o", names["out"]]
    try:
        with contextlib.chdir(folder), _stdout(folder / "out" if case.stdout else None):
            code = main(argv)
        if code not in (0, 1, 3):  # 1: unreachable / a change found; 3: conditional
            raise RuntimeError(f"rolemap {' '.join(argv)}: exit {code}")
        return {name: sha256(folder / names[name]) for name in case.outputs}
    finally:
        for name in names.values():
            (folder / name).unlink(missing_ok=True)


@contextlib.contextmanager
def _stdout(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    with open(path, "w", encoding="utf-8", newline="") as fh, contextlib.redirect_stdout(fh):
        yield


def recorded() -> dict[str, dict[str, str]]:
    return json.loads(DIGESTS.read_text(encoding="utf-8"))["digests"]
