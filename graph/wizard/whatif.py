"""What-if preview: the access paths the planned role would open, before it exists.

The role (and its instance profile, attached to the instances the user picks) is added to a
copy of the snapshot; the access graph is built on the copy with the same engine and compared
with the current graph, instance by instance. Public exposure is compared too: a role cannot
change who outside the account reaches a bucket, and the preview proves it rather than assumes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from graph.access import AccessGraph, BucketAccess, build_access_graph
from graph.access.decide.network import ENDPOINT, NO_PATH, UNKNOWN
from graph.model import AccountSnapshot, InlinePolicy, Instance, InstanceProfile, Role
from graph.policy import Outcome
from graph.wizard.documents import inline_policy, trust_policy
from graph.wizard.kms import kms_notes, with_kms
from graph.wizard.plan import RolePlan

_REACHING = (Outcome.ALLOWED, Outcome.CONDITIONAL)


def planned_snapshot(plan: RolePlan, snapshot: AccountSnapshot,
                     attach: Sequence[str] = ()) -> AccountSnapshot:
    """The snapshot as it would be after `rolemap role create --attach ...`."""
    account = snapshot.account_id
    role_arn = plan.role_arn(account)
    document = inline_policy(plan)
    role = Role(
        arn=role_arn,
        name=plan.name,
        trust_policy=trust_policy(plan),
        path=plan.path,
        inline_policies=(InlinePolicy(plan.inline_policy_name, document),) if document else (),
        attached_policy_arns=plan.managed_policy_arns,
        permissions_boundary_arn=plan.boundary_arn,
        tags=plan.tag_dict,
        max_session_duration=plan.max_session_duration,
        description=plan.description,
    )
    profiles = snapshot.instance_profiles
    instances = snapshot.instances
    profile_arn = plan.instance_profile_arn(account)
    if profile_arn is not None:
        profile = InstanceProfile(profile_arn, plan.instance_profile_name or plan.name,
                                  plan.path, (role_arn,))
        profiles = (*profiles, profile)
        chosen = set(attach)
        instances = tuple(
            dataclasses.replace(i, instance_profile_arn=profile_arn)
            if i.instance_id in chosen else i
            for i in instances
        )
    return dataclasses.replace(snapshot, roles=(*snapshot.roles, role),
                               instance_profiles=profiles, instances=instances)


@dataclass(frozen=True)
class InstanceChange:
    """How one instance's reach changes: buckets gained and lost, and their actions."""

    instance_id: str
    label: str
    before: frozenset[str]
    after: frozenset[str]
    #: Actions (allowed or conditional) per bucket, after the change.
    actions_after: Mapping[str, tuple[str, ...]]
    #: The same, before it (what the instance's current role, if any, reaches).
    actions_before: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Buckets the role reaches that this instance cannot, by the network path or a VPC
    #: endpoint policy, and why (network_blocks).
    blocked: Mapping[str, str] = field(default_factory=dict)

    @property
    def gained(self) -> frozenset[str]:
        return self.after - self.before

    @property
    def lost(self) -> frozenset[str]:
        return self.before - self.after

    def actions_gained(self) -> dict[str, tuple[str, ...]]:
        """Per bucket, the actions the instance could not do before and can after (the
        change a reviewer signs off: a new bucket, or new actions on a bucket it had)."""
        gained = {}
        for bucket, actions in sorted(self.actions_after.items()):
            new = tuple(a for a in actions if a not in set(self.actions_before.get(bucket, ())))
            if new:
                gained[bucket] = new
        return gained

    def actions_lost(self) -> dict[str, tuple[str, ...]]:
        """Per bucket, the actions the instance loses (its profile is replaced)."""
        lost = {}
        for bucket, actions in sorted(self.actions_before.items()):
            gone = tuple(a for a in actions if a not in set(self.actions_after.get(bucket, ())))
            if gone:
                lost[bucket] = gone
        return lost


@dataclass(frozen=True)
class WhatIf:
    """The preview: per-instance changes and whether public exposure moved."""

    role_arn: str
    #: Buckets the role itself reaches (whichever instances carry it).
    role_buckets: frozenset[str]
    changes: tuple[InstanceChange, ...]
    public_before: frozenset[str]
    public_after: frozenset[str]
    #: What the plan still needs outside the role (a KMS key policy's statement).
    notes: tuple[str, ...] = ()

    @property
    def public_unchanged(self) -> bool:
        return self.public_before == self.public_after

    def lines(self) -> list[str]:
        """The preview as sentences a reviewer reads ("+1 bucket: acme-data"), never as
        Python values: it is shown in the wizard and pasted into change requests."""
        out = [f"role {self.role_arn} would reach {_counted(len(self.role_buckets))}: "
               + _names(self.role_buckets)]
        for ch in self.changes:
            moved = [f"{sign}{_counted(len(names))}: {_names(names)}"
                     for sign, names in (("+", ch.gained), ("-", ch.lost)) if names]
            out.append(f"{ch.label}: {len(ch.before)} -> {len(ch.after)} bucket(s); "
                       + ("; ".join(moved) or "the same buckets"))
            for sign, per_bucket in (("+", ch.actions_gained()), ("-", ch.actions_lost())):
                for bucket, actions in per_bucket.items():
                    names = ", ".join(a.removeprefix("s3:") for a in actions)
                    out.append(f"  {sign} {bucket}: {names}")
            for bucket, why in sorted(ch.blocked.items()):
                out.append(f"  ! {bucket}: blocked for this instance: {why}")
        out.append("public exposure unchanged" if self.public_unchanged else
                   f"public exposure CHANGES: public before: {_names(self.public_before)}; "
                   f"public after: {_names(self.public_after)}")
        out.extend(f"warning: {note}" for note in self.notes)
        return out


def _counted(count: int) -> str:
    return f"{count} bucket" if count == 1 else f"{count} buckets"


def _names(buckets: frozenset[str]) -> str:
    return ", ".join(sorted(buckets)) or "none"


def _reached(accesses: Sequence[BucketAccess]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for access in accesses:
        actions = {a for a, aa in access.actions.items() if aa.outcome in _REACHING}
        if actions:
            found.setdefault(access.bucket, set()).update(actions)
    return {b: tuple(sorted(a)) for b, a in found.items()}


def _public(graph: AccessGraph, buckets: Sequence[str]) -> frozenset[str]:
    exposed = set()
    for bucket in buckets:
        for principal in graph.who_can(bucket):
            if principal.kind == "public" and any(
                aa.outcome in _REACHING for aa in principal.actions.values()
            ):
                exposed.add(bucket)
    return frozenset(exposed)


def what_if(
    plan: RolePlan,
    snapshot: AccountSnapshot,
    attach: Sequence[str] = (),
    current: AccessGraph | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> WhatIf:
    """Compare the current access graph with one where the planned role exists and is attached.

    `current` is reused when given (the app already has it); its assumed context is kept so
    both sides are decided the same way.
    """
    if not plan.kms:
        plan = with_kms(plan, snapshot)
    assumed = dict(current.assumed) if current is not None else {"aws:SecureTransport": "true"}
    if current is None:
        current = build_access_graph(snapshot, assumed=assumed, progress=progress)
    after_snapshot = planned_snapshot(plan, snapshot, attach)
    # Asked at the same moment as the current answers: only the plan differs.
    after = build_access_graph(after_snapshot, assumed=assumed, progress=progress,
                               at=current.decided_at)
    role_arn = plan.role_arn(snapshot.account_id)
    changes = []
    for instance_id in attach:
        instance = snapshot.instance_by_id[instance_id]
        before = _reached(current.reachable_from_instance(instance_id))
        now = _reached(after.reachable_from_instance(instance_id))
        changes.append(InstanceChange(instance_id, instance.label, frozenset(before),
                                      frozenset(now), now, before))
    role_buckets = frozenset(_reached(after.reachable_from_role(role_arn)))
    wanted = role_buckets | {g.bucket for g in plan.grants if g.bucket in
                             snapshot.bucket_by_name}
    changes = [dataclasses.replace(ch, blocked=network_blocks(
        after, role_arn, after_snapshot.instance_by_id[ch.instance_id], wanted))
        for ch in changes]
    touched = sorted(role_buckets | {g.bucket for g in plan.grants if g.bucket in
                                     snapshot.bucket_by_name}
                     | {b for ch in changes for b in ch.before | ch.after})
    return WhatIf(role_arn, role_buckets, tuple(changes),
                  _public(current, touched), _public(after, touched), tuple(kms_notes(plan)))


def network_blocks(graph: AccessGraph, role_arn: str, instance: Instance,
                   buckets: Iterable[str]) -> dict[str, str]:
    """Buckets among `buckets` the role reaches but `instance` cannot, because of its
    network path (no path, or not read) or the VPC endpoint policy on it, and why."""
    out: dict[str, str] = {}
    for bucket in sorted(buckets):
        path = graph.network.path(instance, bucket)
        if path.kind in (NO_PATH, UNKNOWN):
            out[bucket] = f"{path.reason} ({path.evidence})" if path.evidence != path.reason \
                else path.reason
            if path.alternative is not None:  # a way out only some clients take
                out[bucket] += f"; {path.alternative.only_with}"
            continue
        if path.kind != ENDPOINT or path.endpoint is None:
            continue
        role = graph.role_bucket(role_arn, bucket, instance)
        seen = graph.network.on_bucket(instance, role_arn, bucket, role, instance)
        stopped = sorted(a for a, aa in role.items() if aa.outcome in _REACHING
                         and a in seen and seen[a].outcome not in _REACHING)
        by_why: dict[str, list[str]] = {}
        for a in stopped:
            why = seen[a].reasons[0] if seen[a].reasons else ""
            # The endpoint policy's own words, or what the path's context decided (a bucket
            # policy's condition on aws:SourceVpce or aws:SourceIp).
            key = "" if "VPC endpoint" in why or "endpoint policy" in why else why
            by_why.setdefault(key, []).append(a.removeprefix("s3:"))
        parts = [f"the policy of VPC endpoint {path.endpoint.endpoint_id} denies "
                 f"{', '.join(names)}" if not why else
                 f"{', '.join(names)} through {path.endpoint.endpoint_id}: {why}"
                 for why, names in by_why.items()]
        if parts:
            out[bucket] = "; ".join(parts)
    return out
