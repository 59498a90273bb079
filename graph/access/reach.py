"""Per role (and per instance context where it matters): what it can do on which bucket.

Work is shared three ways. A role is decided once, not once per instance. Buckets that a
role's statements do not name specifically and that share a shape get one decision. And a
decision is cached under everything it depends on (the role's policy set, the bucket or
shape, the context, the role's ARN only when something reads it), so roles with the same
managed policies share it too. Pairs no statement can touch are implicit denies and are
never asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from graph.access.decide import Decider
from graph.access.facts import BucketFacts, RoleFacts, SigItem
from graph.access.model import ActionAccess
from graph.access.policies import PolicyBook
from graph.catalog import S3Action, s3_actions

#: One decided class: action name -> answer (only actions some statement could grant).
ClassResult = Mapping[str, ActionAccess]


@dataclass
class RoleReach:
    """Where one role reaches: a compact map from buckets to shared class results."""

    role_arn: str
    #: Answer for plain buckets (no policy/ACL) the role does not name specifically.
    default: ClassResult | None = None
    by_shape: dict[object, ClassResult] = field(default_factory=dict)
    special: dict[str, ClassResult] = field(default_factory=dict)
    universal: bool = False

    def lookup(self, bf: BucketFacts) -> ClassResult | None:
        name = bf.bucket.name
        if name in self.special:
            return self.special[name]
        if bf.shape is not None:
            return self.by_shape.get(bf.shape)
        return self.default if self.universal else None


class ReachComputer:
    """Computes RoleReach objects, sharing decisions through one cache."""

    def __init__(self, decider: Decider, book: PolicyBook, buckets: list[BucketFacts]) -> None:
        self.decider = decider
        self.book = book
        self.buckets = buckets
        self.by_name = {bf.bucket.name: bf for bf in buckets}
        self.shape_groups: dict[object, list[BucketFacts]] = {}
        self.plain: list[BucketFacts] = []
        for bf in buckets:
            if bf.shape is None:
                self.plain.append(bf)
            else:
                self.shape_groups.setdefault(bf.shape, []).append(bf)
        self.actions = s3_actions()
        self._cache: dict[tuple[object, ...], ClassResult] = {}
        self._action_cache: dict[tuple[object, ...], ActionAccess] = {}
        self._alike_kept: dict[int, tuple[list[str], list[tuple[BucketFacts, list[str]]]]] = {}

    def instance_context(self, rf: RoleFacts, values: Mapping[str, str | None]
                         ) -> dict[str, str]:
        """The instance-derived keys the role's statements (or bucket policies) read."""
        wanted = rf.instance_keys | self.bucket_instance_keys
        return {k: v for k, v in values.items() if v and k.lower() in wanted}

    @property
    def bucket_instance_keys(self) -> frozenset[str]:
        keys: frozenset[str] = getattr(self, "_bik", frozenset())
        if not hasattr(self, "_bik"):
            keys = frozenset(k for bf in self.buckets for k in bf.instance_keys)
            self._bik = keys
        return keys

    def _candidates(self, rf: RoleFacts, bf: BucketFacts, special: bool) -> set[str]:
        if bf.policy_unreadable:
            # The unread policy may grant anything to this role: every action gets an answer
            # (unknown unless something else denies it), never a silent no.
            return {a.name for a in self.actions}
        names = set(rf.universal_actions)
        if special:
            names |= rf.specific_for(bf.bucket.name)
        names |= bf.anyone_actions
        names |= bf.named_actions.get(rf.policies.role.arn, frozenset())
        return names

    def _items(self, rf: RoleFacts, bf: BucketFacts) -> dict[str, list[SigItem]]:
        """The statements concerning this bucket, by the S3 action they name."""
        facts = self.book.statement_facts
        by_action: dict[str, list[SigItem]] = {}
        items = list(rf.universal_sig) + list(rf.sig_for(bf.bucket.name))
        for it in items:
            for name in facts[it[0]].s3_actions:
                by_action.setdefault(name, []).append(it)
        return by_action

    def _who(self, rf: RoleFacts, bf: BucketFacts, bucket_matters: bool = True) -> object:
        if rf.principal_sensitive or (bucket_matters and bf.principal_specific):
            role = rf.policies.role
            return (role.arn, tuple(sorted(role.tags.items())))
        return None

    def decide_action(self, rf: RoleFacts, bf: BucketFacts, action: S3Action,
                      context: Mapping[str, str]) -> ActionAccess:
        """One action on one bucket (for explain: pairs never stored)."""
        return self._decide_actions(rf, bf, [action], context, self._items(rf, bf))[
            action.name]

    def _decide_actions(self, rf: RoleFacts, bf: BucketFacts, actions: list[S3Action],
                        context: Mapping[str, str], by_action: dict[str, list[SigItem]]
                        ) -> dict[str, ActionAccess]:
        """Each action cached under exactly what it depends on: the statements naming it
        that concern the bucket, the bucket's shape only if its policy/ACL name the action
        for our roles (otherwise every shape shares the plain buckets' answer), the
        boundary, missing data, the role only if something reads who it is, the context."""
        rp = rf.policies
        ctx = tuple(sorted(context.items()))
        bid = id(rp.boundary) if rp.boundary else None
        tail_plain = (bid, rp.missing, self._who(rf, bf, False), ctx)
        tail_shape = (bid, rp.missing, self._who(rf, bf, True), ctx)
        unreadable = bf.policy_unreadable
        role_actions = bf.role_actions
        cache = self._action_cache
        out: dict[str, ActionAccess] = {}
        for action in actions:
            name = action.name
            items = frozenset(by_action.get(name, ()))
            matters = unreadable or name in role_actions
            key = (name, items, bf.shape, tail_shape) if matters else (name, items, tail_plain)
            found = cache.get(key)
            if found is None:
                key_parts = frozenset(it[1] for it in items if it[1] not in ("", "*"))
                if matters:
                    key_parts |= bf.key_parts
                found = self.decider.role_action(rp.role, rp.principal, bf, action,
                                                 key_parts, context, rp.missing)
                cache[key] = found
            out[name] = found
        return out

    def _decide(self, rf: RoleFacts, bf: BucketFacts, special: bool,
                context: Mapping[str, str]) -> ClassResult:
        candidates = self._candidates(rf, bf, special)
        if not candidates:
            return {}
        wanted = [a for a in self.actions if a.name in candidates]
        return self._decide_actions(rf, bf, wanted, context, self._items(rf, bf))

    def _cached(self, rf: RoleFacts, bf: BucketFacts, special: bool,
                context: Mapping[str, str], base: tuple[object, ...],
                sig: tuple[SigItem, ...] | None = None) -> ClassResult:
        where: object = None
        if special:
            where = sig if sig is not None else rf.sig_for(bf.bucket.name)
        who = self._who(rf, bf) if bf.principal_specific else None
        key = (base, where, bf.shape, who)
        found = self._cache.get(key)
        if found is None:
            found = self._decide(rf, bf, special, context)
            self._cache[key] = found
        return found

    def _base(self, rf: RoleFacts, context: Mapping[str, str]) -> tuple[object, ...]:
        """The part of every class key that comes from the role and the context."""
        rp = rf.policies
        who = (rp.role.arn, tuple(sorted(rp.role.tags.items()))) if rf.principal_sensitive \
            else None
        return (rf.universal_sig, id(rp.boundary) if rp.boundary else None, rp.missing, who,
                tuple(sorted(context.items())))

    def bucket_answer(self, rf: RoleFacts, bf: BucketFacts, context: Mapping[str, str]
                      ) -> ClassResult | None:
        """One role's answers on one bucket, decided alone: what `role_reach(rf,
        context).lookup(bf)` gives, without deciding the role's other buckets.

        The app asks this for a who-can view opened before the background analysis has
        reached every role; the answer goes through the same class cache, so it is the very
        answer the full analysis hands out later.
        """
        base = self._base(rf, context)
        sig = rf.sig_for(bf.bucket.name)
        if sig:
            return self._cached(rf, bf, True, context, base, sig)
        universal = bool(rf.universal_actions)
        if bf.shape is not None:
            rep = self.shape_groups[bf.shape][0]
            if not (universal or rep.anyone_actions or rf.policies.role.arn in rep.named_actions
                    or rep.policy_unreadable):
                return None
            rep = _unnamed(rf, self.shape_groups[bf.shape]) or bf
            return self._cached(rf, rep, False, context, base)
        if universal:
            return self._cached(rf, _unnamed(rf, self.plain) or bf, False, context, base)
        return None

    def role_reach(self, rf: RoleFacts, context: Mapping[str, str]) -> RoleReach:
        rp = rf.policies
        reach = RoleReach(rp.role.arn, universal=bool(rf.universal_actions))
        arn = rp.role.arn
        base = self._base(rf, context)
        special = reach.special
        for sig, names in rf.special_groups().items():
            for rep, alike in self._alike(names):
                special.update(dict.fromkeys(alike, self._cached(rf, rep, True, context, base,
                                                                 sig)))
        for shape, group in self.shape_groups.items():
            rep = group[0]
            if not (reach.universal or rep.anyone_actions or arn in rep.named_actions
                    or rep.policy_unreadable):
                continue
            unnamed = _unnamed(rf, group)
            if unnamed is not None:
                reach.by_shape[shape] = self._cached(rf, unnamed, False, context, base)
        unnamed = _unnamed(rf, self.plain) if reach.universal else None
        if unnamed is not None:
            reach.default = self._cached(rf, unnamed, False, context, base)
        return reach

    def _alike(self, names: list[str]) -> list[tuple[BucketFacts, list[str]]]:
        """Buckets the same statements concern, split by shape (and by name where the
        bucket's policy reads who asks): each part shares one answer. Kept per names list,
        since roles sharing a policy share its lists."""
        kept = self._alike_kept.get(id(names))
        if kept is not None and kept[0] is names:
            return kept[1]
        alike: dict[object, tuple[BucketFacts, list[str]]] = {}
        for name in names:
            bf = self.by_name.get(name)
            if bf is not None:
                key = (bf.shape, name if bf.principal_specific else None)
                found = alike.get(key)
                if found is None:
                    alike[key] = (bf, [name])
                else:
                    found[1].append(name)
        out = list(alike.values())
        if len(names) > 8:  # short lists are cheap to split again; don't hoard them
            self._alike_kept[id(names)] = (names, out)
        return out

    def iter_buckets(self, reach: RoleReach) -> Iterator[tuple[BucketFacts, ClassResult]]:
        """Every bucket the role touches, with its (possibly shared) answers."""
        if reach.universal:
            for bf in self.buckets:
                res = reach.lookup(bf)
                if res:
                    yield bf, res
            return
        seen: set[str] = set()
        for name, res in reach.special.items():
            seen.add(name)
            if res:
                yield self.by_name[name], res
        for shape, res in reach.by_shape.items():
            if not res:
                continue
            for bf in self.shape_groups[shape]:
                if bf.bucket.name not in seen:
                    yield bf, res


    def iter_classes(self, reach: RoleReach) -> Iterator[tuple[ClassResult, list[str]]]:
        """The role's touched buckets grouped by shared answer: (answers, bucket names).

        Exports write millions of rows from this without one lookup per bucket.
        """
        special = reach.special
        for name, res in special.items():
            if res:
                yield res, [name]
        for shape, res in reach.by_shape.items():
            if res:
                names = [bf.bucket.name for bf in self.shape_groups[shape]]
                yield res, [n for n in names if n not in special] if special else names
        if reach.universal and reach.default:
            names = self.plain_names
            yield reach.default, [n for n in names if n not in special] if special else names

    @cached_property
    def plain_names(self) -> list[str]:
        return [bf.bucket.name for bf in self.plain]


def _unnamed(rf: RoleFacts, group: list[BucketFacts]) -> BucketFacts | None:
    """A bucket of `group` no statement of the role names specifically: the one to decide
    the group's shared answer on. The engine reads the role's real policies, so on a bucket
    some statement names (a Deny, a grant with conditions) the answer would carry that
    statement to every look-alike bucket, and through the class cache to every role with the
    same account-wide statements. None when the role names every bucket of the group."""
    return next((bf for bf in group if not rf.sig_for(bf.bucket.name)), None)


def public_candidates(bf: BucketFacts) -> set[str]:
    """Actions some statement grants to anyone on this bucket."""
    return set(bf.anyone_actions)


def public_reach(decider: Decider, bf: BucketFacts, actions: tuple[S3Action, ...]
                 ) -> ClassResult:
    """The anonymous public's answers on one bucket: actions granted to anyone, and every
    action "unknown" when the bucket policy could not be read."""
    names = public_candidates(bf)
    if bf.policies.public_acl is not None:
        for f in bf.policies.public_acl.facts:
            names |= f.s3_actions
    out: dict[str, ActionAccess] = {}
    for action in actions:
        known = (decider.public_action(bf, action, bf.key_parts) if action.name in names
                 else None)
        unread = decider.public_unread(bf, action, known)
        if unread is not None:
            known = unread
        if known is not None:
            out[action.name] = known
    return out
