"""Benchmark: diffing two snapshots of a realistic account against analysing both of them.

    python tests/bench_diff.py                      # medium: 1,000 roles / 10,000 / 1,000
    python tests/bench_diff.py --size large         # 5,000 roles / 50,000 / 5,000
    python tests/bench_diff.py --three-edits        # the issue's three edits, not a night's drift

OLD is a synthetic account (`rolemap snapshot synth`, an AWS CLI export folder); NEW is OLD
after a night of ordinary drift (`drift` below: statements added, a policy version made
default, profiles re-associated, a bucket policy widened, Block Public Access turned off,
instances launched and terminated, a bucket created and one deleted). Both are loaded once;
then, timed in this process:

- "analyse both": each snapshot decided on its own (what two `rolemap export` runs do);
- "diff": the old one decided (the same work as above, counted once more, not redone), the new
  one decided reusing it (graph.access.reach.reuse), the rows compared; findings new/resolved
  (graph.findings on both sides) reported on their own line.

Peak memory is the process's maximum resident set size (both sides are held by the diff).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.access import build_access_graph  # noqa: E402
from graph.diff.causes import build_causes  # noqa: E402
from graph.diff.compare import Comparer  # noqa: E402
from graph.diff.findings import compare_findings  # noqa: E402
from graph.diff.model import CHANGED, GAINED, LOST  # noqa: E402
from graph.model import AccountSnapshot, InlinePolicy  # noqa: E402
from graph.sources import SourceSpec, open_source  # noqa: E402
from graph.sources.synth import write_synthetic  # noqa: E402

SIZES = {"small": (50, 200, 40), "medium": (1000, 10000, 1000), "large": (5000, 50000, 5000)}


class Clock:
    """CPU and wall seconds since the last lap: the machine is shared, CPU time is the
    figure that does not depend on what else runs."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def lap(self) -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        out = (cpu - self.cpu, wall - self.wall)
        self.cpu, self.wall = cpu, wall
        return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _doc(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def drift(old: AccountSnapshot, seed: int = 16) -> AccountSnapshot:
    """A night's worth of ordinary changes to an account (a dozen or so)."""
    rng = random.Random(seed)
    buckets = list(old.buckets)
    # Three roles get a statement for one bucket's prefix.
    touched = {r.arn: b for r, b in zip(rng.sample(old.roles, 3), rng.sample(buckets, 3),
                                        strict=True)}
    roles = []
    for role in old.roles:
        bucket = touched.get(role.arn)
        if bucket is not None:
            grant = _doc({"Sid": "NightlyAdd", "Effect": "Allow",
                          "Action": ["s3:GetObject", "s3:PutObject"],
                          "Resource": f"arn:aws:s3:::{bucket.name}/incoming/*"})
            role = replace(role, inline_policies=(*role.inline_policies,
                                                  InlinePolicy("nightly-add", grant)))
        roles.append(role)
    # A customer managed policy gets a new default version.
    customer = [p for p in old.managed_policies if not p.is_aws_managed]
    policies = list(old.managed_policies)
    if customer:
        mp = rng.choice(customer)
        bucket = rng.choice(buckets)
        doc = mp.document if isinstance(mp.document, dict) else _doc()
        statements = doc.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else list(statements)
        newer = {**doc, "Statement": [*statements, {
            "Sid": "Prune", "Effect": "Allow", "Action": "s3:DeleteObject",
            "Resource": f"arn:aws:s3:::{bucket.name}/tmp/*"}]}
        policies[policies.index(mp)] = replace(mp, document=newer, default_version_id="v99")
    # Ten instances move to another profile; five are terminated; five are launched.
    instances = list(old.instances)
    profiles = [p.arn for p in old.instance_profiles]
    for inst in rng.sample([i for i in instances if i.instance_profile_arn], 10):
        instances[instances.index(inst)] = replace(inst,
                                                   instance_profile_arn=rng.choice(profiles))
    for inst in rng.sample(instances, 5):
        instances.remove(inst)
    for n, inst in enumerate(rng.sample(instances, 5)):
        instances.append(replace(inst, instance_id=f"i-{0xbe0000000000000 + n:017x}",
                                 name=f"{inst.name}-new"))
    # A bucket policy widened to a prefix; two buckets lose Block Public Access; one bucket
    # is created and one deleted.
    wide, *open_up = rng.sample(buckets, 3)
    public = _doc({"Sid": "PublicRelease", "Effect": "Allow", "Principal": "*",
                   "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{wide.name}/release/*"})
    buckets[buckets.index(wide)] = replace(wide, policy=public, public_access_block=None)
    for bucket in open_up:
        buckets[buckets.index(bucket)] = replace(bucket, public_access_block=None)
    buckets.remove(rng.choice([b for b in buckets if b is not wide and b not in open_up]))
    buckets.append(replace(rng.choice(buckets), name="nightly-new-bucket"))
    return replace(old, roles=tuple(roles), managed_policies=tuple(policies),
                   instances=tuple(instances), buckets=tuple(buckets))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="medium")
    parser.add_argument("--folder", help="an existing export folder (skips generation)")
    parser.add_argument("--no-findings", action="store_true",
                        help="skip findings (graph.findings' own cost, the same as running "
                             "`rolemap findings` on both snapshots)")
    parser.add_argument("--three-edits", action="store_true",
                        help="NEW is OLD after the issue's three edits (tests/diff/three_edits.py:"
                             " a statement added to a role, a public statement added to a bucket "
                             "policy, an instance profile swapped) instead of a night's drift")
    args = parser.parse_args()
    roles, instances, buckets = SIZES[args.size]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "account"
        if not args.folder:
            write_synthetic(folder, roles=roles, instances=instances, buckets=buckets)
        old = open_source(SourceSpec(snapshot=str(folder))).snapshot
    if args.three_edits:
        from tests.diff.three_edits import three_edits

        new, edits = three_edits(old)
        print(f"three edits: {edits}", flush=True)
    else:
        new = drift(old)
    print(f"account: {len(old.roles)} roles, {len(old.instances)} instances, "
          f"{len(old.buckets)} buckets", flush=True)

    clock = Clock()
    p_old = build_access_graph(old)
    first = clock.lap()
    g_new = build_access_graph(new)
    second = clock.lap()
    both = (first[0] + second[0], first[1] + second[1])
    print(f"analyse both        {both[0]:6.1f} s CPU ({both[1]:.1f} s wall)  "
          f"old {first[0]:.1f} s, new {second[0]:.1f} s", flush=True)
    del g_new
    gc.collect()

    # The diff: the old side analysed (the same work as above, not repeated), the new side
    # analysed reusing it, the rows compared.
    clock = Clock()
    p_new = build_access_graph(new, reuse_from=p_old)
    gc.freeze()  # as the CLI does: the analysed accounts stay out of the collector's passes
    reused = clock.lap()
    pair = (first[0] + reused[0], first[1] + reused[1])
    comparer = Comparer(p_old, p_new)
    rows = list(comparer.instance_rows()) + list(comparer.principal_rows())
    compare = clock.lap()
    by_kind = {k: [r for r in rows if r.kind == k] for k in (GAINED, LOST, CHANGED)}
    causes = build_causes(by_kind[GAINED], by_kind[LOST], by_kind[CHANGED],
                          comparer.facts.everything(), comparer.facts.named)
    attributed = clock.lap()
    added, resolved = compare_findings(p_old, p_new) if not args.no_findings else ((), ())
    findings = clock.lap()
    diff = (pair[0] + compare[0] + attributed[0], pair[1] + compare[1] + attributed[1])
    print(f"diff                {diff[0]:6.1f} s CPU ({diff[1]:.1f} s wall)  analyse old "
          f"{first[0]:.1f} s + new reusing it {reused[0]:.1f} s, compare {compare[0]:.1f} s, "
          f"causes {attributed[0]:.1f} s", flush=True)
    print(f"causes: {len(causes)} ({sum(1 for c in causes if c.rows)} changing access), "
          "riskiest first:")
    for cause in causes[:10]:
        marks = "[PUBLIC] " if cause.public else "[OTHER ACCOUNT] " if cause.other_account else ""
        print(f"  {marks}{cause.subject}: {cause.summary}")
    print(f"findings, both sides {findings[0]:5.1f} s CPU ({findings[1]:.1f} s wall)")
    print(f"rows: {len(rows)}; findings: {len(added)} new, {len(resolved)} resolved; "
          f"engine calls on the new side {p_new.data.decider.calls} "
          f"(old side {p_old.data.decider.calls})")
    print(f"diff / analyse both (CPU): {diff[0] / both[0]:.2f}; with findings "
          f"{(diff[0] + findings[0]) / both[0]:.2f}; peak {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
