"""Benchmark: hostile input, counted and timed (issue #13); the README's figures come from here.

1. Wildcard patterns built to make a backtracking matcher explode, each matched through the
   engine's own path (a policy statement's Resource / Action, StringLike, ArnLike): the
   slowest one's time.
2. The fuzz suite's mutations (tests/fuzz/mutations.py), drawn from a seeded generator: how
   many broken snapshot files and export folders were tried, and how many gave a one-line
   error or a load (the only acceptable outcomes), and the slowest.
Run:  python tests/bench_hostile.py [--inputs 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.policy import PolicyKind, PrincipalPolicies, Request, evaluate, parse_policy  # noqa: E402
from graph.policy.wildcard import compile_glob  # noqa: E402
from graph.sources.export_folder import load_export_folder  # noqa: E402
from graph.sources.snapshot_file import save_snapshot  # noqa: E402
from tests.fuzz.mutations import mutate_folder, mutate_snapshot, outcome  # noqa: E402

LAYERS = Path(__file__).parent / "fixtures" / "accounts" / "layers"
ARN = "arn:aws:s3:::" + "a" * 47
#: (name, Resource pattern, Action pattern, condition pattern, value length)
PATTERNS = [
    ("15 stars then X (issue: > 60 s)", "arn:aws:s3:::" + "*" * 15 + "X", "s3:*", "*", 60),
    ("'*a' x 8 + 'b' (issue: 27 s)", "*a" * 8 + "b", "s3:" + "*a" * 8 + "b", "*a" * 8 + "b", 60),
    ("'*a' x 40 + 'b', 4,000-char value", "*a" * 40 + "b", "s3:" + "*a" * 40 + "b",
     "*a" * 40 + "b", 4000),
    ("'*?' x 100 + 'b', 10,000-char value", "*?" * 100 + "b", "s3:" + "*?" * 100 + "b",
     "*?" * 100 + "b", 10000),
    ("'a*' x 200 + '?b', 10,000-char value", "a*" * 200 + "?b", "s3:" + "a*" * 200 + "?b",
     "a*" * 200 + "?b", 10000),
    ("2,000 stars, 2,000-char value", "*" * 2000 + "X", "*" * 2000 + "X", "*" * 2000 + "X", 2000),
]


def time_pattern(resource: str, action: str, condition: str, length: int) -> float:
    """Parse (compiling the patterns) and decide one request: the cost a crafted policy adds."""
    start = time.perf_counter()
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
            "StringLike": {"aws:PrincipalTag/team": condition},
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:::" + condition}}},
    ]}, "hostile", PolicyKind.IDENTITY)
    value = "a" * length
    request = Request(principal_arn="arn:aws:iam::123456789012:role/r", action="s3:GetObject",
                      resource_arn="arn:aws:s3:::" + value,
                      context={"aws:PrincipalTag/team": value,
                               "aws:SourceArn": "arn:aws:s3:::" + value})
    evaluate(request, PrincipalPolicies(identity=(policy,)))
    return time.perf_counter() - start


def fuzz(inputs: int, seed: int) -> None:
    rng = random.Random(seed)
    results: Counter[str] = Counter()
    slowest = (0.0, "")
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good.json"
        save_snapshot(load_export_folder(LAYERS), good)
        for n in range(inputs):
            work = Path(tmp) / f"case-{n}"
            work.mkdir()
            if n % 2 == 0:
                path = work / "snap.json"
                shutil.copy(good, path)
                what = "snapshot: " + mutate_snapshot(path, rng)
                argv = ["export", "--snapshot", str(path), "--format", "csv", "-o", os.devnull]
                named = str(path)
            else:
                folder = Path(shutil.copytree(LAYERS, work / "acct"))
                what = "folder: " + mutate_folder(folder, rng)
                argv = ["export", "--snapshot", str(folder), "--format", "md", "-o", os.devnull]
                named = str(folder)
            start = time.perf_counter()
            try:
                results[outcome(argv, named)] += 1
            except BaseException as exc:  # noqa: BLE001 - counted and shown, not raised
                failures.append(f"{what}: {type(exc).__name__}: {exc}"[:200])
            took = time.perf_counter() - start
            slowest = max(slowest, (took, what))
            shutil.rmtree(work, ignore_errors=True)
    passed = results["loaded"] + results["error"]
    print(f"fuzzed inputs: {inputs} tried, {passed} passed ({results['error']} one-line errors, "
          f"{results['loaded']} loads), {len(failures)} failed; slowest {slowest[0]:.2f} s "
          f"({slowest[1][:80]})")
    for failure in failures:
        print("  FAILED", failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    times = []
    for name, resource, action, condition, length in PATTERNS:
        compile_glob.cache_clear()  # each run compiles its patterns afresh
        took = time_pattern(resource, action, condition, length)
        times.append((took, name))
        print(f"wildcard {name}: {took * 1000:.2f} ms")
    worst = max(times)
    print(f"slowest hostile pattern: {worst[0] * 1000:.2f} ms ({worst[1]})")
    fuzz(args.inputs, args.seed)


if __name__ == "__main__":
    main()
