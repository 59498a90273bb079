"""A whole organisation analysed across accounts, next to cloudsplaining run per account (#27).

    python tests/bench_org_cross.py                          # synth --org 20 --size small, seed 0
    python tests/bench_org_cross.py --size medium --seed 1
    python tests/bench_org_cross.py --folder ORG_DIR         # an existing organisation folder
    python tests/bench_org_cross.py --profile                # cProfile of the organisation run

Measured one after the other on the same organisation folder, each in its own process (CPU
seconds are user + system of the process tree, from wait4; peak memory is the highest sampled
sum of proportional set sizes, as tests/bench_realistic.py measures it):

- rolemap: the index built once, then every account analysed across the organisation and its
  by-role rows written to OUT/<account>.csv, one account held at a time — what
  `rolemap export --snapshot ORG_DIR --by-role --format csv -o OUT` does (tui/commands/export.py
  run_org), with the index's build time and pickled size and the time to the first account's
  analysis being ready (the management account's set-up, as the app would show it first);
- the largest account alone, twice: its sub-folder opened as a single account, and analysed in
  its organisation (index + that account only) — the bound the organisation run's peak should
  stay near (the largest account plus the index);
- cloudsplaining's `scan` of each account's authorization details (written from the account's
  snapshot: its roles, users, groups and managed policies with every version), summed.

Figures go to the README's Performance section; never into timed test assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pickle
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import bench_realistic as br  # noqa: E402

from graph.model import AccountSnapshot, InlinePolicy  # noqa: E402

# -- cloudsplaining's input ------------------------------------------------------------------------

def _inline(policies: tuple[InlinePolicy, ...]) -> list[dict[str, Any]]:
    return [{"PolicyName": p.name, "PolicyDocument": p.document} for p in policies]


def _attached(arns: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]


def authorization_details(snapshot: AccountSnapshot) -> dict[str, Any]:
    """The account's `iam get-account-authorization-details`, rebuilt from its snapshot (the
    organisation traits are in the snapshot, not in the generator's scratch export)."""
    profiles: dict[str, list[dict[str, Any]]] = {}
    for p in snapshot.instance_profiles:
        for arn in p.role_arns:
            profiles.setdefault(arn, []).append({
                "Path": p.path, "InstanceProfileName": p.name, "InstanceProfileId": p.name,
                "Arn": p.arn, "Roles": []})
    roles = []
    for r in snapshot.roles:
        role: dict[str, Any] = {
            "Path": r.path, "RoleName": r.name, "RoleId": r.role_id or r.name, "Arn": r.arn,
            "CreateDate": r.create_date or "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": r.trust_policy,
            "InstanceProfileList": profiles.get(r.arn, []),
            "RolePolicyList": _inline(r.inline_policies),
            "AttachedManagedPolicies": _attached(r.attached_policy_arns),
            "Tags": [{"Key": k, "Value": v} for k, v in r.tags.items()], "RoleLastUsed": {}}
        if r.permissions_boundary_arn:
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": r.permissions_boundary_arn}
        roles.append(role)
    users = [{"Path": u.path, "UserName": u.name, "UserId": u.user_id or u.name, "Arn": u.arn,
              "CreateDate": u.create_date or "2026-01-01T00:00:00Z",
              "UserPolicyList": _inline(u.inline_policies), "GroupList": list(u.group_names),
              "AttachedManagedPolicies": _attached(u.attached_policy_arns), "Tags": []}
             for u in snapshot.users or ()]
    groups = [{"Path": g.path, "GroupName": g.name, "GroupId": g.group_id or g.name,
               "Arn": g.arn, "CreateDate": "2026-01-01T00:00:00Z",
               "GroupPolicyList": _inline(g.inline_policies),
               "AttachedManagedPolicies": _attached(g.attached_policy_arns)}
              for g in snapshot.groups or ()]
    policies = []
    for p in snapshot.managed_policies:
        versions = [{"Document": p.document, "VersionId": p.default_version_id,
                     "IsDefaultVersion": True, "CreateDate": "2026-01-01T00:00:00Z"}]
        versions += [{"Document": v.document, "VersionId": v.version_id,
                      "IsDefaultVersion": False,
                      "CreateDate": v.create_date or "2026-01-01T00:00:00Z"}
                     for v in p.other_versions or ()]
        policies.append({
            "PolicyName": p.name, "PolicyId": p.name, "Arn": p.arn, "Path": p.path,
            "DefaultVersionId": p.default_version_id, "AttachmentCount": p.attachment_count,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": "2026-01-01T00:00:00Z", "UpdateDate": "2026-01-01T00:00:00Z",
            "PolicyVersionList": versions})
    return {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
            "Policies": policies}


# -- children ------------------------------------------------------------------------------------

def _index(folder: Path) -> tuple[Any, Any, dict[str, float]]:
    from graph.org.index import build_index
    from graph.sources.org.folder import open_org_folder

    t0, c0 = time.perf_counter(), br._cpu()
    org = open_org_folder(folder)
    index = build_index(org)
    figures = {"index_s": time.perf_counter() - t0, "index_cpu": br._cpu() - c0,
               "index_bytes": len(pickle.dumps(index))}
    return org, index, figures


def child_org(folder: Path, out: Path, only: str | None = None) -> dict[str, Any]:
    """As `rolemap export --snapshot ORG --by-role --format csv -o OUT` (run_org): the index,
    then each account analysed (set up; each role decided as its rows are reached) and written.
    `only`: that account alone (index + one account: the memory bound)."""
    from graph.exports import export
    from graph.org.analysis import analyse_account

    start = time.perf_counter()
    org, index, figures = _index(folder)
    accounts = (only,) if only else index.loaded
    first = only if only else org.tree.management_account_id
    if first in accounts:  # the app opens an organisation on its management account
        accounts = (first, *(a for a in accounts if a != first))
    rows, per = 0, {}
    out.mkdir(parents=True, exist_ok=True)
    for k, account in enumerate(accounts):
        t0 = time.perf_counter()
        g = analyse_account(org, index, account, {}, decide=False)
        if k == 0:
            figures["first_ready_s"] = time.perf_counter() - start
        n = export(g, "csv", out / f"{account}.csv", mode="by-role", workers=1, keep=False)
        del g
        rows += n
        per[account] = round(time.perf_counter() - t0, 2)
    figures.update({"rows": rows, "accounts": len(accounts), "per_account_s": per,
                    "total_cpu": br._cpu()})
    return figures


def child_single(folder: Path, out: Path) -> dict[str, Any]:
    """One account's snapshot opened alone (no organisation), its by-role rows written."""
    from graph.access import build_access_graph
    from graph.exports import export
    from graph.sources import SourceSpec, open_source

    snapshot = open_source(SourceSpec(snapshot=str(folder))).snapshot
    g = build_access_graph(snapshot, decide=False)
    return {"rows": export(g, "csv", out, mode="by-role", workers=1, keep=False)}


def _run_json(args: list[str]) -> tuple[float, float, float, dict[str, Any]]:
    wall, peak, out = br.run_child(args)
    return wall, br.LAST_CPU, peak, json.loads(out.strip().splitlines()[-1])


def _me(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def cloudsplaining(folder: Path, accounts: tuple[str, ...], scratch: Path
                   ) -> tuple[float, float, float]:
    """Summed wall and CPU seconds, and the highest peak, of `scan` over every account."""
    from graph.sources.org.folder import open_org_folder

    org = open_org_folder(folder)
    exclusions = scratch / "exclusions.yml"
    exclusions.write_text(br.EXCLUDE_NOTHING)
    wall = cpu = peak = 0.0
    for account in accounts:
        details = scratch / f"{account}-details.json"
        details.write_text(json.dumps(authorization_details(org.load(account))))
        report = scratch / "cs"
        shutil.rmtree(report, ignore_errors=True)
        report.mkdir()
        w, p, _ = br.run_child(["cloudsplaining", "scan", "--input-file", str(details),
                                "--exclusions-file", str(exclusions), "--output", str(report),
                                "--skip-open-report"], capture=False)
        wall, cpu, peak = wall + w, cpu + br.LAST_CPU, max(peak, p)
        details.unlink()
    return wall, cpu, peak


def measure(folder: Path, scratch: Path, skip: set[str]) -> dict[str, Any]:
    from graph.sources.org.folder import open_org_folder

    org = open_org_folder(folder)
    sizes = {a: org.snapshot_path(a).stat().st_size for a in org.loaded}
    largest = max(sizes, key=sizes.__getitem__)
    found: dict[str, Any] = {"accounts": len(org.loaded), "mb": sum(sizes.values()) / 1e6,
                             "largest": largest, "largest_mb": sizes[largest] / 1e6}
    wall, cpu, peak, r = _run_json(_me("--child", "org", "--folder", str(folder),
                                       "--out", str(scratch / "org-out")))
    shutil.rmtree(scratch / "org-out", ignore_errors=True)
    found["org"] = {"wall": wall, "cpu": cpu, "mib": peak, **r}
    print(f"  rolemap, whole organisation: {wall:.1f} s ({cpu:.1f} s CPU), {peak:.0f} MiB",
          flush=True)
    # The bound: the heaviest account analysed alone in its organisation (index included).
    # The largest snapshot, and the management account (the one most bucket policies and
    # trusts name, so the one that pulls in most of the others).
    alone_in_org = {}
    for account in dict.fromkeys((largest, org.tree.management_account_id)):
        if account not in sizes:
            continue
        wall, cpu, peak, r = _run_json(_me("--child", "org", "--folder", str(folder),
                                           "--out", str(scratch / "one-out"), "--only",
                                           account))
        shutil.rmtree(scratch / "one-out", ignore_errors=True)
        alone_in_org[account] = {"wall": wall, "cpu": cpu, "mib": peak, **r}
    heaviest = max(alone_in_org, key=lambda a: alone_in_org[a]["mib"])
    found["heaviest"] = heaviest
    found["largest_in_org"] = alone_in_org[heaviest]
    wall, cpu, peak, r = _run_json(_me("--child", "single", "--folder",
                                       str(org.snapshot_path(largest)), "--out",
                                       os.devnull))
    found["largest_alone"] = {"wall": wall, "cpu": cpu, "mib": peak, **r}
    if "cloudsplaining" not in skip:
        wall, cpu, peak = cloudsplaining(folder, org.loaded, scratch)
        found["cloudsplaining"] = {"wall": wall, "cpu": cpu, "mib": peak}
        print(f"  cloudsplaining, every account: {wall:.1f} s ({cpu:.1f} s CPU), "
              f"{peak:.0f} MiB at most", flush=True)
    return found


def report(found: dict[str, Any]) -> None:
    o, one, alone = found["org"], found["largest_in_org"], found["largest_alone"]
    print(f"\n{found['accounts']} accounts, {found['mb']:.1f} MB of snapshots "
          f"({time.strftime('%Y-%m-%d %H:%M')})")
    print(f"index              {o['index_s']:6.2f} s ({o['index_cpu']:.2f} s CPU), "
          f"{o['index_bytes'] / 1024:.0f} KiB pickled")
    print(f"first account set up (management, as the app opens it) {o['first_ready_s']:.2f} s")
    print(f"rolemap, whole org {o['wall']:6.1f} s ({o['cpu']:.1f} s CPU), peak {o['mib']:.0f} "
          f"MiB, {o['rows']:,} rows")
    slowest = sorted(o["per_account_s"].items(), key=lambda kv: -kv[1])[:3]
    print(f"  slowest accounts: {', '.join(f'{a} {s:.1f} s' for a, s in slowest)}")
    print(f"heaviest account {found['heaviest']} alone in its organisation (index + that "
          f"account): {one['wall']:.1f} s, peak {one['mib']:.0f} MiB")
    print(f"largest account {found['largest']} ({found['largest_mb']:.1f} MB) opened alone, "
          f"no organisation: {alone['wall']:.1f} s, peak {alone['mib']:.0f} MiB")
    print(f"  organisation peak / heaviest account in its organisation: "
          f"{o['mib'] / one['mib']:.2f}×")
    cs = found.get("cloudsplaining")
    if cs:
        print(f"cloudsplaining     {cs['wall']:6.1f} s ({cs['cpu']:.1f} s CPU), peak "
              f"{cs['mib']:.0f} MiB (one account at a time)")
        print(f"ratio rolemap / cloudsplaining: {o['wall'] / cs['wall']:.2f}× wall, "
              f"{o['cpu'] / cs['cpu']:.2f}× CPU")


def profile(folder: Path, top: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rolemap-org-") as tmp:
        profiler = cProfile.Profile()
        profiler.enable()
        figures = child_org(folder, Path(tmp))
        profiler.disable()
    print({k: v for k, v in figures.items() if k != "per_account_s"})
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
        print(f"--- by {order} ---\n{text.getvalue()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--size", choices=("small", "medium"), default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, help="an existing organisation folder")
    parser.add_argument("--skip", action="append", default=[], choices=("cloudsplaining",))
    parser.add_argument("--json", type=Path, help="also append the figures as a JSON line here")
    parser.add_argument("--profile", action="store_true",
                        help="instead: cProfile the organisation run in this process")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--child", choices=("org", "single"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "org":
        print(json.dumps(child_org(args.folder, args.out, args.only)))
        return 0
    if args.child == "single":
        print(json.dumps(child_single(args.folder, args.out)))
        return 0
    with tempfile.TemporaryDirectory(prefix="rolemap-org-") as tmp:
        folder = args.folder
        if folder is None:
            folder = Path(tmp) / "org"
            wall, _, _ = br.run_child([sys.executable, "-m", "tui.cli", "snapshot", "synth",
                                       str(folder), "--org", str(args.accounts), "--size",
                                       args.size, "--seed", str(args.seed)])
            print(f"synth --org {args.accounts} --size {args.size} --seed {args.seed}: "
                  f"{wall:.0f} s", flush=True)
        if args.profile:
            profile(folder, args.top)
            return 0
        found = measure(folder, Path(tmp), set(args.skip))
    report(found)
    if args.json:
        with args.json.open("a") as fh:
            fh.write(json.dumps(found) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
