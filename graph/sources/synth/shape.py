"""Named shapes of a synthetic account: the knobs that change how much work an analysis does.

Speed depends on how an account is shaped, not only on its size: roles with inline statements
of their own, times the bucket shapes they meet, make the questions; wildcard bucket names and
key prefixes make the matching; conditions and role chains make answers conditional and
longer. One generator with one set of proportions measures one shape, so the benchmark sweeps
several (`tests/bench_shapes.py`).

The default shape's knobs are today's proportions, and each knob at its default draws exactly
the random numbers it drew before: the default output stays byte-identical for a seed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """Proportions of a synthetic account (REALISTIC-ACCOUNTS.md's, unless a shape says)."""

    name: str = "default"
    description: str = "the proportions of REALISTIC-ACCOUNTS.md"
    #: Weights of 0, 1, 2, ... inline policies on a role (their own statements).
    inline_counts: tuple[float, ...] = (0.35, 0.35, 0.2, 0.1)
    #: Lowest and highest number of S3 statement builders drawn per inline policy.
    inline_s3: tuple[int, int] = (1, 2)
    #: Share of buckets with a policy, besides the ~4% public ones (which always have one).
    bucket_policy_share: float = 0.38
    #: Multiplier on the chance of each kind of bucket-policy statement (capped at 1).
    bucket_policy_parts: float = 1.0
    #: Lowest and highest number of the account's roles a bucket policy's role grant names.
    bucket_grant_roles: tuple[int, int] = (1, 3)
    #: Chance a bucket policy also grants roles on key prefixes (1-4 such statements).
    bucket_prefix_grants: float = 0.0
    #: Weight of identity statements on bucket-name patterns (`acme-*-logs-*`); the
    #: default builders weigh 17.2 together.
    wildcard_names: float = 0.0
    #: Weight of identity statements granting several key prefixes of several buckets.
    prefix_grants: float = 0.0
    #: Weight of identity statements carrying one or more conditions of many kinds.
    conditions: float = 0.0
    #: Share of roles allowed to assume 1-3 other roles of the account (whose trust policies
    #: name them back): role chains.
    chains: float = 0.0
    #: Zipf exponent of shared managed policies over roles (0: uniform, each on a few roles).
    zipf_s: float = 1.1

    def knobs(self) -> dict[str, object]:
        """The knobs (every field but the name and description)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("name", "description")}


DEFAULT = Shape()

SHAPES: dict[str, Shape] = {s.name: s for s in (
    DEFAULT,
    Shape("inline-heavy", "nearly every role has 1-5 inline policies of 2-4 S3 builders each",
          inline_counts=(0.05, 0.15, 0.25, 0.25, 0.15, 0.15), inline_s3=(2, 4)),
    Shape("bucket-policies", "90% of buckets have a policy, twice the statements, grants to "
          "2-8 roles and to roles on key prefixes",
          bucket_policy_share=0.9, bucket_policy_parts=2.0, bucket_grant_roles=(2, 8),
          bucket_prefix_grants=0.7),
    Shape("wildcard-names", "about half the S3 statements name buckets by pattern "
          "(`acme-*-logs-*`, `acme-data-*-prod-*`)", wildcard_names=16.0),
    Shape("prefixes-and-conditions", "most S3 statements grant key prefixes or carry "
          "conditions (VPC endpoint, tags, IP, MFA, encryption, time)",
          prefix_grants=10.0, conditions=10.0),
    Shape("chains", "15% of roles may assume 1-3 other roles, which trust them back",
          chains=0.15),
    Shape("flat-zipf", "shared policies drawn uniformly: each on a few roles, so roles share "
          "few policy sets", zipf_s=0.0),
    Shape("mixed", "every knob above at once (inline-heavy, bucket policies, patterns, "
          "prefixes, conditions, chains, flat Zipf)",
          inline_counts=(0.05, 0.15, 0.25, 0.25, 0.15, 0.15), inline_s3=(2, 4),
          bucket_policy_share=0.9, bucket_policy_parts=2.0, bucket_grant_roles=(2, 8),
          bucket_prefix_grants=0.7, wildcard_names=8.0, prefix_grants=6.0, conditions=6.0,
          chains=0.1, zipf_s=0.0),
)}


def with_knobs(shape: Shape, settings: list[str]) -> Shape:
    """`shape` with `NAME=VALUE` settings applied (VALUE a number, or numbers joined by `,`).

    Raises ValueError naming the setting that is wrong.
    """
    knobs = shape.knobs()
    changes: dict[str, object] = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in knobs:
            raise ValueError(f"{setting!r}: expected NAME=VALUE with NAME one of "
                             f"{', '.join(knobs)}")
        old = knobs[name]
        try:
            if isinstance(old, tuple):
                new: object = tuple(type(old[0])(v) for v in value.split(","))
            else:
                new = type(old)(value)
        except ValueError:
            whole = isinstance(old[0] if isinstance(old, tuple) else old, int)
            kind = ("a list of " if isinstance(old, tuple) else "a ") + (
                "whole number" if whole else "number") + ("s" if isinstance(old, tuple) else "")
            raise ValueError(f"{setting!r}: not {kind}") from None
        _check(setting, name, new)
        changes[name] = new
    if not changes:
        return shape
    return dataclasses.replace(shape, name=f"{shape.name}+" + ",".join(settings), **changes)


def _check(setting: str, name: str, value: object) -> None:
    numbers = [float(v) for v in (value if isinstance(value, tuple) else (value,))]
    if any(v < 0 for v in numbers):
        raise ValueError(f"{setting!r}: must not be negative")
    if name in ("inline_s3", "bucket_grant_roles") and (
            len(numbers) != 2 or numbers[0] > numbers[1]):
        raise ValueError(f"{setting!r}: expected LOW,HIGH with LOW <= HIGH")
    if name == "inline_counts" and not sum(numbers):
        raise ValueError(f"{setting!r}: the weights must not all be 0")
    if name in ("bucket_policy_share", "bucket_prefix_grants", "chains") and numbers[0] > 1:
        raise ValueError(f"{setting!r}: a share is at most 1")
