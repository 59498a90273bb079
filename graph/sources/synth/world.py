"""The plan of a synthetic account: who exists (teams, roles, buckets), before any document.

Documents name each other (inline policies name buckets, bucket policies name roles, instances
name profiles), so names are drawn first, here, and every writer reads them from one `World`.
Every random draw goes through a `random.Random` seeded from the account seed and a part name,
so the output is byte-identical for a seed and one part's draws do not shift another's.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from graph.sources.synth.shape import DEFAULT, Shape

T = TypeVar("T")

ACCOUNT = "111122223333"
#: Other accounts: partners granted on buckets, trusted by roles, owning canonical users.
PARTNERS = ("444455556666", "777788889999", "210987654321")
ORG_ID = "o-a1b2c3d4e5"
ORG = "acme"
#: The first region holds about half of everything.
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
REGION_WEIGHTS = (0.5, 0.3, 0.2)
TEAMS = ("web", "data", "ml", "payments", "search", "platform", "mobile", "finance",
         "identity", "ads", "growth", "infra")
PURPOSES = ("logs", "assets", "raw", "curated", "backups", "exports", "models", "reports",
            "uploads", "artifacts", "config", "archive")
ENVS = ("prod", "staging", "dev")
APPS = ("api", "worker", "etl", "batch", "web", "ingest", "scheduler", "cache", "indexer",
        "reporter", "gateway", "sync")
DATE = "2024-03-01T12:00:00+00:00"
OWNER = {"DisplayName": "acme-aws", "ID": "7" * 64}
VPCES = ("vpce-0a1b2c3d4e5f60718", "vpce-0f9e8d7c6b5a49382", "vpce-01234abcd5678ef90")


@dataclass(frozen=True)
class Size:
    """A named benchmark size (REALISTIC-ACCOUNTS.md)."""

    roles: int
    instances: int
    buckets: int
    policies: int


SIZES: dict[str, Size] = {
    "small": Size(50, 200, 40, 20),
    "medium": Size(1000, 10000, 1000, 300),
    "large": Size(5000, 50000, 5000, 1000),
}


def default_policies(roles: int) -> int:
    """Customer managed policies for an account of `roles` roles (close to the named sizes)."""
    return max(min(20, 2 * roles), round(1.2 * roles ** 0.8))


@dataclass(frozen=True)
class RolePlan:
    name: str
    arn: str
    path: str
    team: str
    env: str
    index: int


@dataclass(frozen=True)
class BucketPlan:
    name: str
    team: str
    purpose: str
    env: str
    region: str

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


class World:
    """Names and teams of everything, and the seeded random sources the writers draw from."""

    def __init__(self, seed: int, roles: int, buckets: int, shape: Shape = DEFAULT, *,
                 account: str = ACCOUNT, org: str = ORG, org_id: str | None = None) -> None:
        self.seed = seed
        self.shape = shape
        #: The account's id, and the name prefix of its buckets (and of the patterns naming
        #: them); an organisation's accounts each have their own (graph.sources.synth.org).
        self.account = account
        self.org = org
        #: The organisation the account is in, when it is generated as part of one: the
        #: `aws:PrincipalOrgID` / `aws:ResourceOrgID` values its policies name.
        self.org_id = org_id
        rng = self.rng("world")
        self.roles = tuple(_role(rng, i, account) for i in range(roles))
        self.buckets = tuple(_bucket(rng, i, org) for i in range(buckets))
        self.buckets_by_team: dict[str, list[BucketPlan]] = {t: [] for t in TEAMS}
        for b in self.buckets:
            self.buckets_by_team[b.team].append(b)

    def rng(self, part: str) -> random.Random:
        """A random source for one part of the account; str seeds are hashed stably (SHA-512)."""
        return random.Random(f"{self.seed}:{part}")

    def team_buckets(self, rng: random.Random, team: str) -> list[BucketPlan]:
        """The team's buckets, or any buckets when the team has none (small accounts)."""
        return self.buckets_by_team.get(team) or list(self.buckets)


def _role(rng: random.Random, i: int, account: str) -> RolePlan:
    team = TEAMS[zipf_index(rng, len(TEAMS), 0.6)]
    env = weighted(rng, ENVS, (0.5, 0.25, 0.25))
    name = f"{team}-{rng.choice(APPS)}-{env}-{i:05d}"
    roll = rng.random()
    path = "/service-role/" if roll < 0.04 else f"/app/{team}/" if roll < 0.10 else "/"
    return RolePlan(name, f"arn:aws:iam::{account}:role{path}{name}", path, team, env, i)


def _bucket(rng: random.Random, i: int, org: str) -> BucketPlan:
    team = TEAMS[zipf_index(rng, len(TEAMS), 0.6)]
    purpose, env = rng.choice(PURPOSES), weighted(rng, ENVS, (0.5, 0.25, 0.25))
    region = weighted(rng, REGIONS, REGION_WEIGHTS)
    if rng.random() < 0.03:
        name = f"{org}.{team}.{purpose}-{env}.{i:05d}"
    else:
        name = f"{org}-{team}-{purpose}-{env}-{i:05d}"
    return BucketPlan(name, team, purpose, env, region)


_ZIPF: dict[tuple[int, float], list[float]] = {}


def zipf_index(rng: random.Random, n: int, s: float = 1.1) -> int:
    """An index in [0, n) drawn with weight 1/(k+1)^s: a few are drawn very often, most rarely."""
    key = (n, s)
    if key not in _ZIPF:
        _ZIPF[key] = list(itertools.accumulate(1.0 / (k + 1) ** s for k in range(n)))
    cum = _ZIPF[key]
    return min(bisect.bisect_right(cum, rng.random() * cum[-1]), n - 1)


def weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(items, weights)[0]


def one_or_list(rng: random.Random, values: list[Any]) -> Any:
    """AWS accepts a lone string where a list is allowed; real documents use both."""
    return values[0] if len(values) == 1 and rng.random() < 0.6 else values


def odd_case(rng: random.Random, action: str) -> str:
    """About 2% of action names in odd case: IAM matches action names case-insensitively."""
    if rng.random() >= 0.02 or ":" not in action:
        return action
    service, name = action.split(":", 1)
    return f"{service}:{name[:1].lower()}{name[1:]}" if rng.random() < 0.5 else action.upper()


def document(rng: random.Random, statements: list[dict[str, Any]]) -> dict[str, Any]:
    """A policy document; a lone statement is now and then written as an object, not a list."""
    if len(statements) == 1 and rng.random() < 0.15:
        return {"Version": "2012-10-17", "Statement": statements[0]}
    return {"Version": "2012-10-17", "Statement": statements}


def role_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:role{path}{name}"
