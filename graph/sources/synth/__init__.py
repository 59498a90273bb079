"""Synthetic realistic accounts, written as AWS CLI export folders, for tests and benchmarks.

The accounts have the traits of `../shared/REALISTIC-ACCOUNTS.md`: Zipf-shared managed policies
(with the real documents of the AWS managed ones), inline policies naming buckets and prefixes,
conditions, policy variables, NotAction / NotResource, boundaries, per-bucket policies, ACLs and
Block Public Access, instances in Auto Scaling-like reservations over three regions. An
account that only looks uniform says nothing about speed or correctness.

    write_synthetic(out, **SIZES["medium"].__dict__, seed=0)
    write_synthetic(out, **SIZES["medium"].__dict__, seed=0, shape=SHAPES["inline-heavy"])

Output is byte-identical for a seed (files written with the C JSON encoder, unindented); it is
what `rolemap collect-script` would collect, so it loads through the ordinary export folder
loader and `cloudsplaining scan` reads its authorization details.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph.safe_files import write_text
from graph.sources import export_folder as ef
from graph.sources import export_folder_compute as efc
from graph.sources.synth.ec2 import build_instances
from graph.sources.synth.gates import write_gates
from graph.sources.synth.iam import build_iam
from graph.sources.synth.s3 import (
    ACCOUNT_PAB_NONE,
    NOT_CONFIGURED_ERRORS,
    account_public_access_block,
    bucket_files,
)
from graph.sources.synth.shape import DEFAULT, SHAPES, Shape, with_knobs
from graph.sources.synth.world import ACCOUNT, DATE, OWNER, SIZES, Size, World, default_policies

__all__ = ["ACCOUNT", "DATE", "DEFAULT", "SHAPES", "SIZES", "Shape", "Size", "default_policies",
           "with_knobs", "write_synthetic"]


def write_synthetic(out: Path | str, *, roles: int, instances: int, buckets: int,
                    policies: int | None = None, seed: int = 0,
                    shape: Shape = DEFAULT, world: World | None = None) -> Path:
    """Write a synthetic account as an AWS CLI export folder under `out`; returns the folder.

    `policies` is the number of shared customer managed policies (default: about what an
    account of `roles` roles has, see `default_policies`); `shape` its proportions (see
    `SHAPES`; the default writes the same bytes as before shapes existed). `world`: the
    account's plan when the caller made it (another account id and bucket prefix, an
    organisation: graph.sources.synth.org); its seed, roles, buckets and shape then rule.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = world or World(seed, roles, buckets, shape)
    account = world.account

    def dump(path: Path, value: Any) -> None:
        write_text(path, json.dumps(value), durable=False)  # renamed into place, no links

    dump(out / ef.IDENTITY, {"UserId": "AIDAEXAMPLE", "Account": account,
                             "Arn": f"arn:aws:iam::{account}:user/auditor"})
    iam = build_iam(world, default_policies(roles) if policies is None else policies)
    dump(out / ef.IAM, iam.details)
    (out / ef.INSTANCES_DIR).mkdir(exist_ok=True)
    regions = build_instances(world.rng("instances"), instances, iam.profiles, account)
    for region, response in regions.items():
        dump(out / ef.INSTANCES_DIR / f"{region}.json", response)
    dirs = {kind: out / dirname for kind, dirname, _ in ef.BUCKET_DIRS}
    for directory in dirs.values():
        directory.mkdir(exist_ok=True)
    rng = world.rng("buckets")
    for plan in world.buckets:
        files = bucket_files(rng, world, plan)
        for kind, value in files.items():
            dump(dirs[kind] / f"{plan.name}.json", value)
        for kind, message in NOT_CONFIGURED_ERRORS.items():
            if kind not in files:  # what the CLI says, kept by the collect script
                write_text(dirs[kind] / f"{plan.name}.error", message + "\n", durable=False)
    write_gates(out, world, regions, dump)
    # Compute read and found empty: no function, stack, project, endpoint or notebook (and
    # no random draw, so every other file keeps its bytes).
    for region in regions:
        (out / efc.COMPUTE_DIR / region).mkdir(parents=True, exist_ok=True)
        for kind, (listing, *_rest) in efc.FILES.items():
            dump(out / efc.COMPUTE_DIR / region / listing, efc.EMPTY_LISTINGS[kind])
    dump(out / ef.BUCKETS, {"Buckets": [{"Name": b.name, "CreationDate": DATE}
                                        for b in world.buckets], "Owner": OWNER})
    account_pab = account_public_access_block(world)
    if account_pab is not None:
        dump(out / ef.ACCOUNT_PAB, account_pab)
    else:
        write_text((out / ef.ACCOUNT_PAB).with_suffix(".error"), ACCOUNT_PAB_NONE + "\n",
                   durable=False)
    return out
