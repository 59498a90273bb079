"""Privilege escalation: what an instance's role could acquire that it does not have.

Each path is a list of engine decisions with their statements, never a guess from names:
- launch as another role: iam:PassRole on the role (to ec2.amazonaws.com) and
  ec2:RunInstances / AssociateIamInstanceProfile / ReplaceIamInstanceProfileAssociation; the
  role must be in an instance profile (or the caller may create one and add the role) and
  trust EC2;
- write the policies of a role it runs as or can launch as (PutRolePolicy, AttachRolePolicy,
  CreatePolicyVersion of an attached customer policy, SetDefaultPolicyVersion where another
  version of it gives more (version_paths.py), Put/DeleteRolePermissionsBoundary);
- rewrite another role's trust policy (UpdateAssumeRolePolicy), then assume it;
- assume a broader role (already an access path; reported for what it adds);
- pass a role to a service that runs code as it (service_paths.py), act on an instance that
  runs as a stronger role (instance_paths.py), change existing compute that runs as a
  stronger role (compute_paths.py), create a role or a user to become (create_paths.py),
  make credentials for an IAM user and change what it may do (user_paths.py);
- write the policies (or a new version of a customer-managed policy) of a role it can act as
  by any of these paths.
What a path gains is what the new identity reaches on S3 minus what the role reaches already.
These answers are "could gain", never "allowed": the trace and who-can show them apart.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import cached_property

from graph.findings.compute_paths import compute_paths
from graph.findings.context import FindingContext, gained, short
from graph.findings.create_paths import create_role_paths, create_user_paths
from graph.findings.escalation_model import Escalation, Step, step_of
from graph.findings.instance_paths import instance_paths, targets_by_role
from graph.findings.permissions import granted
from graph.findings.service_paths import service_paths
from graph.findings.user_paths import USER_ACTIONS, user_paths
from graph.findings.version_paths import set_default_paths
from graph.model import Instance, Role
from graph.policy import Outcome, PolicyKind

__all__ = ["ALL_ACTIONS", "MAX_TARGETS", "Escalation", "EscalationFinder", "Step"]

LAUNCH_ACTIONS = ("ec2:RunInstances", "ec2:AssociateIamInstanceProfile",
                  "ec2:ReplaceIamInstanceProfileAssociation")
ROLE_WRITE_ACTIONS = ("iam:PutRolePolicy", "iam:AttachRolePolicy")
VERSION_ACTIONS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")
BOUNDARY_ACTIONS = ("iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary")
ALL_ACTIONS = ("iam:PassRole", "iam:UpdateAssumeRolePolicy", *ROLE_WRITE_ACTIONS,
               *VERSION_ACTIONS, *BOUNDARY_ACTIONS)
#: Targets examined per (role, kind); the rest are counted, not analysed one by one.
MAX_TARGETS = 200


class EscalationFinder:
    """Escalation paths of every role an instance can act as."""

    def __init__(self, ctx: FindingContext, assume: bool = True) -> None:
        self.ctx = ctx
        self.acct = ctx.snapshot.account_id
        self.partition = ctx.snapshot.account.partition
        self.max_targets = MAX_TARGETS
        self._base: dict[str, dict[str, frozenset[str]]] = {}
        #: Whether role chains (kind "assume") are paths too. They need every acting role's
        #: S3 reach; without them only roles that may change IAM are looked at further.
        self.assume = assume

    def base(self, role_arn: str) -> dict[str, frozenset[str]]:
        """What the role reaches already, itself and through roles it can assume."""
        found = self._base.get(role_arn)
        if found is None:
            found = self._base[role_arn] = self.ctx.union_reach(self.ctx.chain_roles(role_arn))
        return found

    @cached_property
    def instance_targets(self) -> Mapping[str, tuple[Instance, ...]]:
        """Role ARN -> instances that run as it and could run code (instance_paths.py)."""
        return targets_by_role(self)

    def reach_of(self, target: str) -> dict[str, frozenset[str]]:
        """What acting as `target` reaches: it and every role it can assume (cached: many
        roles' paths lead to the same few targets)."""
        cache: dict[str, dict[str, frozenset[str]]] = self.__dict__.setdefault("_reach", {})
        if target not in cache:
            cache[target] = self.ctx.union_reach(self.ctx.chain_roles(target))
        return cache[target]

    def region_of(self, role: Role) -> str:
        """Where new resources would be made: the region of an instance acting as the role."""
        return next((i.region for i in self.ctx.acting_instances.get(role.arn, ())),
                    "us-east-1")

    def is_admin(self, role_arn: str) -> bool:
        return self._admin(role_arn)

    def new_profile_steps(self, role: Role) -> list[Step]:
        return self._new_profile_steps(role)

    def all(self) -> list[Escalation]:
        out: list[Escalation] = []
        for arn, acting in sorted(self.ctx.acting_instances.items()):
            ids = tuple(i.instance_id for i in acting)
            out.extend(replace(e, instances=ids) for e in self.for_role(self.ctx.role(arn)))
        return out

    def for_role(self, role: Role) -> Iterator[Escalation]:
        if self._admin(role.arn):
            return  # an administrator has nothing left to gain (admin-role reports it)
        if self.assume:
            yield from self._assume(role)
        acted = list(instance_paths(self, role))
        acted.extend(compute_paths(self, role))
        yield from acted
        perms = self.ctx.perms
        if not perms.may_allow(role, ALL_ACTIONS + USER_ACTIONS + ("iam:CreateRole",)):
            return
        launched = list(self._launch(role))
        launched.extend(service_paths(self, role))
        yield from launched
        yield from self._write(role, role, ())
        # Writing the policies of a role it can act as: by assuming it, launching or passing
        # it, or running code on an instance that runs as it (the shortest way first).
        written = {role.arn}
        for e in [*self._assumed(role), *launched, *acted]:
            if e.target not in written and e.target in self.ctx.snapshot.role_by_arn:
                written.add(e.target)
                yield from self._write(role, self.ctx.role(e.target), e.steps)
        yield from self._trust_rewrite(role)
        yield from create_role_paths(self, role)
        yield from user_paths(self, role)
        yield from create_user_paths(self, role)

    def _assumed(self, role: Role) -> Iterator[Escalation]:
        """Every role it can assume, with the hops as steps (gains left to the caller)."""
        for chain in self.ctx.graph.data.chains_from(role.arn)[1:]:
            steps = tuple(Step("sts:AssumeRole", hop.target_arn, hop.outcome, hop.evidence,
                               hop.conditions) for hop in chain.hops)
            yield Escalation(role.arn, "assume", "AssumeRole", chain.roles[-1], steps, {})

    # -- paths --------------------------------------------------------------------------------

    def _assume(self, role: Role) -> Iterator[Escalation]:
        chains = self.ctx.graph.data.chains_from(role.arn)[1:]
        if not chains:
            return
        own = self.ctx.role_reach(role.arn)
        for chain in chains:
            target = chain.roles[-1]
            gains = gained(own, self.ctx.union_reach([target]))
            admin = self._admin(target)
            if not gains and not admin:
                continue
            steps = tuple(Step("sts:AssumeRole", hop.target_arn, hop.outcome, hop.evidence,
                               hop.conditions) for hop in chain.hops)
            yield Escalation(role.arn, "assume", "AssumeRole", target, steps, gains,
                             target_admin=admin)

    def _launch_steps(self, role: Role) -> list[Step]:
        perms = self.ctx.perms
        region = next((i.region for i in self.ctx.acting_instances.get(role.arn, ())),
                      "us-east-1")
        resource = f"arn:aws:ec2:{region}:{self.acct}:instance/*"
        out = []
        for action in LAUNCH_ACTIONS:
            if not perms.may_allow(role, [action]):
                continue
            d = perms.decide(role, action, resource)
            if granted(d) or d.outcome is Outcome.UNKNOWN:
                out.append(step_of(action, resource, d))
        return out

    def _launch(self, role: Role) -> Iterator[Escalation]:
        perms = self.ctx.perms
        if not perms.may_allow(role, ["iam:PassRole"]):
            return
        launches = self._launch_steps(role)
        if not launches:
            return
        launch = launches[0]
        new_profile = self._new_profile_steps(role)
        examined = 0
        for target in self.ctx.snapshot.roles:
            if target.arn == role.arn or examined >= MAX_TARGETS:
                continue
            has_profile = bool(self.ctx.profile_of_role.get(target.arn))
            if not has_profile and not new_profile:
                continue
            if not perms.may_allow(role, ["iam:PassRole"], target.arn):
                continue
            if not self.ctx.ec2_trusts(target.arn):
                continue
            examined += 1
            d = perms.decide(role, "iam:PassRole", target.arn,
                             {"iam:PassedToService": "ec2.amazonaws.com"})
            if not (granted(d) or d.outcome is Outcome.UNKNOWN):
                continue
            gains = gained(self.base(role.arn), self.ctx.union_reach(
                self.ctx.chain_roles(target.arn)))
            admin = self._admin(target.arn)
            if not gains and not admin:
                continue
            steps = (step_of("iam:PassRole", target.arn, d), launch)
            via = f"PassRole + {launch.action.split(':')[1]}"
            kind = "passrole-launch"
            if not has_profile:
                steps = steps + tuple(new_profile)
                via = f"PassRole + CreateInstanceProfile + {launch.action.split(':')[1]}"
                kind = "passrole-new-profile"
            yield Escalation(role.arn, kind, via, target.arn, steps, gains, target_admin=admin)

    def _new_profile_steps(self, role: Role) -> list[Step]:
        resource = f"arn:aws:iam::{self.acct}:instance-profile/*"
        out = []
        for action in ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"):
            if not self.ctx.perms.may_allow(role, [action]):
                return []
            d = self.ctx.perms.decide(role, action, resource)
            if not granted(d):
                return []
            out.append(step_of(action, resource, d))
        return out

    def _write(self, role: Role, target: Role, prefix: tuple[Step, ...]
               ) -> Iterator[Escalation]:
        """Writing the target's own policies (the role itself, or one it can launch as after
        the steps in `prefix`)."""
        perms = self.ctx.perms
        for action in ROLE_WRITE_ACTIONS:
            if not perms.may_allow(role, [action], target.arn):
                continue
            d = perms.decide(role, action, target.arn)
            if granted(d):
                yield Escalation(role.arn, "write-policy", action.split(":")[1], target.arn,
                                 prefix + (step_of(action, target.arn, d),), {}, everything=True)
                break
        for policy_arn in target.attached_policy_arns:
            if ":iam::aws:policy/" in policy_arn:
                continue  # AWS managed policies cannot be changed by anyone
            for action in VERSION_ACTIONS:
                if not perms.may_allow(role, [action], policy_arn):
                    continue
                d = perms.decide(role, action, policy_arn)
                if not granted(d):
                    continue
                step = step_of(action, policy_arn, d)
                if action == "iam:CreatePolicyVersion":  # any document: any permission
                    yield Escalation(role.arn, "policy-version",
                                     f"CreatePolicyVersion on {short(policy_arn)}",
                                     target.arn, prefix + (step,), {}, everything=True)
                    break
                policy = self.ctx.snapshot.policy_by_arn.get(policy_arn)
                if policy is not None:  # only the versions it has: one that gives more
                    yield from set_default_paths(self, role, target, policy, step, prefix)
        if target.permissions_boundary_arn:
            for action in BOUNDARY_ACTIONS:
                if not perms.may_allow(role, [action], target.arn):
                    continue
                d = perms.decide(role, action, target.arn)
                if granted(d):
                    gains = self._boundary_gains(target)
                    if gains:
                        yield Escalation(role.arn, "boundary", action.split(":")[1],
                                         target.arn, prefix + (step_of(action, target.arn, d),),
                                         gains)
                    break

    def _boundary_gains(self, target: Role) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for bucket, answers in self.ctx.graph.role_buckets(target.arn):
            cut = frozenset(k for k, a in answers.items()
                            if a.outcome is Outcome.DENIED and a.blocked_by is PolicyKind.BOUNDARY)
            if cut:
                out[bucket] = cut
        return out

    def _trust_rewrite(self, role: Role) -> Iterator[Escalation]:
        perms = self.ctx.perms
        if not perms.may_allow(role, ["iam:UpdateAssumeRolePolicy"]):
            return
        examined = 0
        for target in self.ctx.snapshot.roles:
            if target.arn == role.arn or examined >= MAX_TARGETS:
                continue
            if not perms.may_allow(role, ["iam:UpdateAssumeRolePolicy"], target.arn):
                continue
            examined += 1
            d = perms.decide(role, "iam:UpdateAssumeRolePolicy", target.arn)
            if not granted(d):
                continue
            gains = gained(self.base(role.arn), self.ctx.union_reach(
                self.ctx.chain_roles(target.arn)))
            admin = self._admin(target.arn)
            if gains or admin:
                step = step_of("iam:UpdateAssumeRolePolicy", target.arn, d)
                yield Escalation(role.arn, "trust-rewrite", "UpdateAssumeRolePolicy + AssumeRole",
                                 target.arn, (step,), gains, target_admin=admin)

    def _admin(self, role_arn: str) -> bool:
        from graph.findings.roles import admin_level

        found = admin_level(self.ctx, self.ctx.role(role_arn))
        return found is not None and found[0] == "admin"
