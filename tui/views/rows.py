"""The explorer's table rows, computed once per workspace (off the UI thread).

Counts come from the access graph: an instance "reaches" a bucket when any S3 action is not
plainly denied (conditional and unknown count, because unknown is not "no").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.access import AccessGraph, ActionAccess
from graph.access.query.compute import compute_chains, compute_resources
from graph.glance import glance, open_door, sorted_marks, trust_principals
from graph.model import AccountSnapshot, Instance, Role
from graph.policy import Outcome
from graph.risk import Risk, bucket_risks, role_risks
from tui.views.answers import AnswerMemo
from tui.widgets.table_model import Column, Row

INSTANCE_COLUMNS = (
    Column("name", "Name", 28, identifier=True),
    Column("id", "Instance id", 20, identifier=True, whole=True),
    Column("region", "Region", 14),
    Column("state", "State", 10),
    Column("role", "Role", 32, identifier=True),
    Column("buckets", "Buckets", 8),
    Column("risk", "Risk", 30, marks=True),
)
ROLE_COLUMNS = (
    Column("name", "Role", 36, identifier=True),
    Column("trusted", "Trusted by", 34),
    Column("instances", "Instances", 10),
    Column("buckets", "Buckets", 8),
    Column("risk", "Risk", 30, marks=True),
)
BUCKET_COLUMNS = (
    Column("name", "Bucket", 36, identifier=True),
    Column("region", "Region", 14),
    Column("public", "Public?", 12),
    Column("who", "Who can", 8),
    Column("risk", "Risk", 30, marks=True),
)
FINDING_COLUMNS = (
    Column("severity", "Severity", 9, marks=True),
    Column("category", "Category", 22),
    Column("finding", "Finding", 120),
)
WARNING_COLUMNS = (
    Column("operation", "Operation", 30),
    Column("target", "Target", 36, identifier=True),
    Column("message", "Message", 80),
)


@dataclass(frozen=True)
class ExplorerRows:
    """Rows of each explorer tab, keyed by instance id, role ARN, bucket name, warning index."""

    instances: tuple[Row, ...]
    roles: tuple[Row, ...]
    buckets: tuple[Row, ...]
    warnings: tuple[Row, ...]
    #: Ranked findings, keyed by finding id (worst first).
    findings: tuple[Row, ...] = ()


def _open(actions: Iterable[ActionAccess]) -> list[Outcome]:
    return [a.outcome for a in actions]


def _any_reach(outcomes: list[Outcome]) -> bool:
    return any(o is not Outcome.DENIED for o in outcomes)


def trusted_services(role: Role) -> tuple[str, ...]:
    """Service principals an Allow statement of the trust policy names (for the Roles column)."""
    statements: Any = (
        (role.trust_policy or {}).get("Statement", [])
        if isinstance(role.trust_policy, dict)
        else []
    )
    if isinstance(statements, dict):
        statements = [statements]
    services: list[str] = []
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            continue
        named = principal.get("Service", [])
        for service in [named] if isinstance(named, str) else named:
            if service not in services:
                services.append(service)
    return tuple(services)


def trusted_by(role: Role, account_id: str) -> str:
    """Who the trust policy lets in, as people say it: services by name, "account N" for
    another account (or its principals), "role X" for one of this account, "anyone" for *."""
    said: list[str] = []
    for principal in trust_principals(role):
        if principal == "*":
            word = "anyone"
        elif not principal.startswith("arn:") and "." in principal:
            word = principal  # a service
        elif principal.isdigit():
            word = f"account {principal}" if principal != account_id else "this account"
        else:
            parts = principal.split(":")
            account = parts[4] if len(parts) > 5 else ""
            if account and account != account_id:
                word = f"account {account}"
            elif principal.endswith(":root"):
                word = "this account"
            else:
                word = principal.rsplit("/", 1)[-1] if "/" in principal else principal
                word = f"{parts[5].split('/', 1)[0]} {word}" if len(parts) > 5 else word
        if word not in said:
            said.append(word)
    return ", ".join(said) or "-"


def role_name_of_instance(snapshot: AccountSnapshot, profile_arn: str | None) -> str:
    if profile_arn is None:
        return "-"
    profile = snapshot.profile_by_arn.get(profile_arn)
    if profile is None or not profile.role_arns:
        return "(profile without role)"
    names = [
        snapshot.role_by_arn[a].name if a in snapshot.role_by_arn else a.rsplit("/", 1)[-1]
        for a in profile.role_arns
    ]
    return ", ".join(names)


class _BucketSets:
    """Which buckets a role (as worn by an instance) reaches, computed once per shared reach.

    On a large account every instance reaches hundreds of buckets, but instances wearing the
    same role share one decided reach (the access graph keeps one per role, plus one per
    instance context when a role's conditions read the instance). Keyed by what that reach
    depends on (the role and, where read, the instance's context), millions of (instance,
    bucket) pairs become one set per distinct reach.
    """

    def __init__(self, graph: AccessGraph) -> None:
        self.graph = graph
        self._by_reach: dict[tuple[object, ...], frozenset[str]] = {}
        self._by_route: dict[tuple[object, ...], frozenset[str]] = {}
        self._unions: dict[tuple[frozenset[str], ...], frozenset[str]] = {}
        self._reaches = AnswerMemo(lambda actions: _any_reach(_open(actions.values())))

    def of_role(self, role_arn: str, instance: Instance | None = None) -> frozenset[str]:
        key = self.graph.data.reach_key(role_arn, instance)
        hit = self._by_reach.get(key)
        if hit is None:
            hit = self._by_reach[key] = frozenset(
                bucket
                for bucket, actions in self.graph.role_buckets(role_arn, instance)
                if self._reaches(actions)
            )
        return hit

    def of_instance(self, instance: Instance) -> frozenset[str]:
        """Union over the instance's role chains (its role, then roles it can assume), after
        the instance's network path and VPC endpoint policy (per route class)."""
        return self._union([
            self._through_network(chain.roles[-1], instance,
                                  instance if len(chain.roles) == 1 else None)
            for chain in self.graph.instance_chains(instance)
        ])

    def _through_network(self, role_arn: str, instance: Instance, own: Instance | None
                         ) -> frozenset[str]:
        reached = self.of_role(role_arn, own)
        if self.graph.snapshot.network is None:  # not checked: the load warning says so
            return reached
        graph = self.graph
        key = (graph.data.reach_key(role_arn, own), graph.network.route_class(instance, role_arn))
        hit = self._by_route.get(key)
        if hit is None:
            # Another account's bucket is decided by the side holding it (as trace does).
            hit = self._by_route[key] = frozenset(
                b for b in reached if self._reaches(graph.net(role_arn, b).on_bucket(
                    instance, role_arn, b, graph.role_bucket(role_arn, b, own), own)))
        return hit

    def of_role_chains(self, role_arn: str) -> frozenset[str]:
        """Union over the role's chains (itself, then roles it can assume): what its trace
        lists and who-can counts for it."""
        return self._union([self.of_role(chain.roles[-1])
                            for chain in self.graph.data.chains_from(role_arn)])

    def union_of(self, sets: list[frozenset[str]]) -> frozenset[str]:
        return self._union(sets)

    def _union(self, sets: list[frozenset[str]]) -> frozenset[str]:
        if len(sets) == 1:
            return sets[0]
        key = tuple(sets)  # frozensets hash by value, and keep their hash once made
        union = self._unions.get(key)
        if union is None:
            union = frozenset().union(*sets)
            self._unions[key] = union
        return union


def _count_into(counts: dict[str, int], sets: Counter[frozenset[str]]) -> None:
    for buckets, wearers in sets.items():
        for bucket in buckets:
            counts[bucket] = counts.get(bucket, 0) + wearers


def build_rows(graph: AccessGraph, progress: Callable[[str, int, int], None]) -> ExplorerRows:
    """All tables' rows, from per-role answers (never per instance × bucket × action).

    Instance counts follow the instance's role chains (its role and the roles it can assume);
    a role's count and the who-can counts follow the role's chains too, as its trace lists
    them and the who-can view counts them. Who-can counts are gathered from each principal's
    reach in one pass instead of asking who-can per bucket, which would scan every instance
    once per bucket."""
    from graph.findings import find

    snapshot = graph.snapshot
    # First: the instances' COULD GAIN marks read the escalation paths found with them.
    ranked = find(graph, progress=progress)
    total = len(snapshot.instances)
    instances: list[Row] = []
    users: dict[str, int] = {}
    sets = _BucketSets(graph)
    marks = glance(graph)
    instance_sets: Counter[frozenset[str]] = Counter()
    for done, instance in enumerate(snapshot.instances, 1):
        reachable = sets.of_instance(instance)
        instance_sets[reachable] += 1
        profile = snapshot.profile_by_arn.get(instance.instance_profile_arn or "")
        for arn in profile.role_arns if profile else ():
            users[arn] = users.get(arn, 0) + 1
        instances.append(
            Row.of(
                instance.instance_id,
                instance.name or "-",
                instance.instance_id,
                instance.region,
                instance.state,
                role_name_of_instance(snapshot, instance.instance_profile_arn),
                len(reachable),
                _risk_words(marks.instance_marks(instance)),
            )
        )
        if done % 500 == 0 or done == total:
            progress("tables: instances", done, total)
    roles: list[Row] = []
    role_sets: Counter[frozenset[str]] = Counter()
    for done, role in enumerate(snapshot.roles, 1):
        # Through its chains, as its trace lists and who-can counts it.
        reachable = sets.of_role_chains(role.arn)
        role_sets[reachable] += 1
        roles.append(
            Row.of(
                role.arn,
                role.name,
                trusted_by(role, snapshot.account_id),
                users.get(role.arn, 0),
                len(reachable),
                _risk_words(marks.role_marks(role)),
            )
        )
        if done % 200 == 0 or done == len(snapshot.roles):
            progress("tables: roles", done, len(snapshot.roles))
    # IAM users and existing compute (Lambda functions, stacks...) are principals of who-can
    # too: counted through their chains as that view lists them.
    for user in graph.data.users:
        role_sets[sets.of_role_chains(user.arn)] += 1
    for resource in compute_resources(graph.data):
        chains = list(compute_chains(graph.data, resource))
        if chains:
            role_sets[sets.union_of([sets.of_role(c.roles[-1]) for c in chains])] += 1
    reached_by: dict[str, int] = {}
    _count_into(reached_by, instance_sets)
    _count_into(reached_by, role_sets)
    buckets: list[Row] = []
    for bucket in snapshot.buckets:
        public = list(graph.public_access(bucket.name).values())
        public_reaches = _any_reach(_open(public))
        # Other accounts and AWS services the bucket policy names (few per bucket).
        outsiders = sum(
            1 for p in graph.external(bucket.name) if _any_reach(_open(p.actions.values()))
        )
        risks = bucket_risks(bucket, snapshot)
        if Outcome.ALLOWED in _open(public):
            risks.append(Risk.PUBLIC)
        if outsiders:
            risks.append(Risk.OTHER_ACCOUNT)
        buckets.append(
            Row.of(
                bucket.name,
                bucket.name,
                bucket.region,
                _public_word(_open(public), bucket.policy_unknown),
                reached_by.get(bucket.name, 0) + int(public_reaches) + outsiders,
                _risk_words(risks),
            )
        )
    progress("tables: buckets", len(snapshot.buckets), len(snapshot.buckets))
    findings = tuple(Row.of(f.id, f.severity.value, f.category, f.title) for f in ranked)
    return ExplorerRows(tuple(instances), tuple(roles), tuple(buckets), _warning_rows(snapshot),
                        findings)


#: An access count the background analysis has not reached yet.
PENDING = "…"
#: The key of the Findings tab's one row while the analysis runs (no finding has it).
PENDING_FINDING = "pending"


def pending_rows(snapshot: AccountSnapshot) -> ExplorerRows:
    """The tables as soon as the files are read: everything but what analysis decides (the
    bucket counts, Public?, Who can), which shows as "…" until the analysis is done."""
    users: Counter[str] = Counter()
    instances = []
    for instance in snapshot.instances:
        profile = snapshot.profile_by_arn.get(instance.instance_profile_arn or "")
        users.update(profile.role_arns if profile else ())
        instances.append(Row.of(
            instance.instance_id, instance.name or "-", instance.instance_id, instance.region,
            instance.state, role_name_of_instance(snapshot, instance.instance_profile_arn),
            PENDING, _risk_words([Risk.PUBLIC_IMDSV1] if open_door(instance) else [])))
    roles = tuple(Row.of(role.arn, role.name, trusted_by(role, snapshot.account_id),
                         users[role.arn], PENDING, _risk_words(role_risks(role, snapshot)))
                  for role in snapshot.roles)
    buckets = tuple(Row.of(b.name, b.name, b.region, PENDING, PENDING,
                           _risk_words(bucket_risks(b, snapshot)))
                    for b in snapshot.buckets)
    findings = (Row.of(PENDING_FINDING, PENDING, PENDING,
                       "Findings are ranked once the analysis is done"),)
    return ExplorerRows(tuple(instances), roles, buckets, _warning_rows(snapshot), findings)


def _risk_words(risks: list[Risk]) -> str:
    """The marks a reviewer hunts for, riskiest first, as the trees show them ("-" for none):
    the tables are where risk has to be visible at a glance."""
    return " ".join(r.value for r in sorted_marks(risks)) or "-"


def _warning_rows(snapshot: AccountSnapshot) -> tuple[Row, ...]:
    return tuple(
        Row.of(str(i), w.operation, w.target or "(account)", _warning_text(w.message, w.code))
        for i, w in enumerate(snapshot.warnings)
    )


def _public_word(outcomes: list[Outcome], policy_unknown: bool) -> str:
    """Say "yes", "conditional" or "no" in words, so the column reads without colour."""
    if Outcome.ALLOWED in outcomes:
        return "yes"
    if Outcome.CONDITIONAL in outcomes:
        return "conditional"
    if policy_unknown or Outcome.UNKNOWN in outcomes:
        return "unknown"
    return "no"


def _warning_text(message: str, code: str) -> str:
    return f"{message} [{code}]" if code else message
