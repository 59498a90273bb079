"""Per role (and per instance context where it matters): what it can do on which bucket.

The decision layer, stage by stage (one module each):
1. compile (compile/): every distinct statement once for the account:
   its S3 actions as a bitmask, the buckets its resource patterns concern (looked up once per
   distinct pattern in the bucket index), its object-key parts and condition keys.
2. classify (classify/): buckets into classes per role here (the statements naming a
   bucket, and its shape: what the bucket's own policy, ACL and Block Public Access show
   that role); actions into classes per question (classify/classes.py).
3. decide (decide/: the gates; cached here): one engine question per role x bucket class x action
   class, under a key of values that say what the answer depends on; answers kept per class
   and shared (answers/class_answers.py).
4. stream (graph/exports/rows.py): rows and evidence made as they are written, summarised
   class by class.

A role is decided once, not once per instance. Pairs no statement can touch are implicit
denies and are never asked. tests/access/oracle.py asks the engine cell by cell instead; the
tests hold every answer here equal to it.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping

from graph.access.answers.class_answers import ClassAnswer, ClassAnswers, single
from graph.access.answers.role_reach import ClassResult, RoleReach
from graph.access.classify.bucket_facts import BucketFacts
from graph.access.classify.classes import action_classes
from graph.access.classify.kms_facts import caller_reads_context
from graph.access.classify.role_facts import RoleFacts, SigItem
from graph.access.compile.actions import (
    action_mask,
    actions_in,
    all_actions,
    first_action,
    mask_of,
    position,
    scope_masks,
)
from graph.access.compile.policies import PolicyBook
from graph.access.decide.decider import Decider, for_member, generic_reasons
from graph.access.model import ActionAccess
from graph.access.reach.bucket_groups import BucketGroups, unnamed
from graph.access.reach.caller_keys import CallerKeys
from graph.access.reach.renumber import Positions, positioned, renumbered
from graph.catalog import S3Action, s3_actions
from graph.policy.document import Statement

#: Marks a class key whose answer was asked action by action (kept under (mask, key)).
_PER_ACTION: tuple[ClassAnswer, ...] = ()

#: Class answers kept before the memos start afresh (checked between roles). Keys naming one
#: bucket's pattern-tagged statements (classify/) rarely recur, and on accounts with many
#: such patterns the memos, not the answers handed out, held most of the memory (issue 24).
#: A memo entry is exact: dropping it only means asking again.
MEMO_LIMIT = 300_000

class ReachComputer(BucketGroups):
    """Computes RoleReach objects, sharing decisions through one cache."""

    def __init__(self, decider: Decider, book: PolicyBook, buckets: list[BucketFacts]) -> None:
        super().__init__(buckets)
        self.decider = decider
        self.book = book
        self.actions = s3_actions()
        self.caller_keys = CallerKeys(book)
        self._cache: dict[tuple[object, ...], ClassResult] = {}
        self._class_cache: dict[tuple[object, ...], tuple[ClassAnswer, ...]] = {}
        self._answer_sets: dict[tuple[object, ...], ClassAnswers] = {}
        self._probed: dict[tuple[object, ...], int] = {}
        #: Where the bucket's statements stood when a class answer was decided (renumber.py).
        self._class_at: dict[tuple[object, ...], Positions] = {}
        #: Each bucket's class shapes without positions, by (bucket, class bit).
        self._class_shapes: dict[tuple[str, int], tuple[object, Positions]] = {}
        #: Numbers standing for key parts (equal values, equal numbers: see `number`).
        self._ids: dict[object, int] = {}
        #: Names this numbering: keys made of its numbers mean nothing in another one.
        self.numbering = uuid.uuid4().hex
        #: Each bucket's shape and full shape as numbers, by name.
        self._shape_ids: dict[str, tuple[int, int]] = {}
        self.number_shapes()

    def number(self, value: object) -> int:
        """A small number for a key part that is itself a large value (a role's statement
        list, a bucket's shape): equal values get the same number, so keys built from
        numbers still say what the answer depends on, and hash in constant time."""
        ids = self._ids
        found = ids.get(value)
        if found is None:
            found = ids[value] = len(ids)
        return found

    def number_shapes(self) -> None:
        """(Re)number the buckets' shapes, e.g. after taking another side's numbering."""
        self._shape_ids = {bf.bucket.name: (self.number(("shape", bf.shape)),
                                            self.number(("shape", bf.full_shape)))
                           for bf in self.buckets}

    def instance_context(self, rf: RoleFacts, values: Mapping[str, str | None]
                         ) -> dict[str, str]:
        """The instance-derived keys the role's statements (or bucket policies) read."""
        wanted = rf.instance_keys | self.bucket_instance_keys
        return {k: v for k, v in values.items() if v and k.lower() in wanted}

    def _wanted(self, rf: RoleFacts, bf: BucketFacts, special: bool) -> int:
        """The actions worth asking, as a bitmask: those some statement could grant."""
        if bf.policy_unreadable or rf.policies.identity_unread:
            # The unread policy may grant anything to this role: every action gets an answer
            # (unknown unless something else denies it), never a silent no.
            return all_actions()
        wanted = rf.universal_mask
        if special:
            wanted |= rf.specific_mask(bf.bucket.name)
        named = bf.named_actions.get(rf.policies.role.arn)
        if named:
            wanted |= action_mask(named)
        return wanted | action_mask(bf.anyone_actions)

    def _items(self, rf: RoleFacts, bf: BucketFacts, special: bool) -> tuple[SigItem, ...]:
        """The role-side statements concerning this bucket, in reading order: those
        concerning every bucket alike, and (for a bucket the role's statements name) those
        naming it."""
        if not special:
            return rf.universal_key
        return rf.ordered(rf.sig_for(bf.bucket.name))

    def _who(self, rf: RoleFacts, bf: BucketFacts, bucket_matters: bool = True) -> object:
        """What of the caller's identity the answer depends on: the role itself when the
        bucket's policy names it or reads who asks, else what the role's own statements read
        (see `RoleFacts.who`)."""
        role = rf.policies.role
        if bucket_matters and (bf.principal_specific or role.arn in bf.named_roles):
            return (role.arn, tuple(sorted(role.tags.items())))
        return rf.who

    def decide_action(self, rf: RoleFacts, bf: BucketFacts, action: S3Action,
                      context: Mapping[str, str]) -> ActionAccess:
        """One action on one bucket (for explain: pairs never stored)."""
        special = bf.bucket.name in rf.special
        return self._decide_mask(rf, bf, mask_of((action.name,)), context,
                                 self._items(rf, bf, special))[action.name]

    def _decide_mask(self, rf: RoleFacts, bf: BucketFacts, wanted: int,
                     context: Mapping[str, str], items: tuple[SigItem, ...]) -> ClassAnswers:
        """The wanted actions, one engine question per action class (classify/classes.py).

        Each class's answer is cached under exactly what it depends on: the class, the
        statements concerning the bucket that name it, the object-key parts the bucket's
        policy names for it, the bucket's shape only if its policy/ACL name the class for
        our roles (else every shape shares the plain buckets' answer), the boundary,
        missing data, the role only if something reads who it is, and the context.
        """
        rp = rf.policies
        masks = self.book.statement_masks
        masked = [(it, masks[it[0]]) for it in items]
        classes = action_classes(wanted, [m for _, m in masked] + [
            *bf.statement_masks, bf.role_mask, *bf.gate_masks])
        ctx = tuple(sorted(context.items()))
        bid = rp.boundary.key if rp.boundary else None
        tail_plain = (bid, rp.missing, self._who(rf, bf, False), ctx)
        tail_shape = (bid, rp.missing, self._who(rf, bf, True), ctx)
        named_here = rp.role.arn in bf.named_roles
        shape = bf.shape_for(rp.role.arn)
        #: SCPs do not apply to service-linked roles: their caller side is their own.
        linked = ":role/aws-service-role/" in rp.role.arn
        cache = self._class_cache
        keys: list[tuple[object, ...]] = []
        decided: list[tuple[ClassAnswer, ...]] = []
        bucket_bits = scope_masks()[0]
        for cls in classes:
            low = cls & -cls
            named = tuple(it for it, m in masked if m & low)
            parts = bf.role_parts_for(low, rp.role.arn)
            # What the class is, as the engine sees it: its ARN kind and which statements
            # name it (the role's, in `named`; the bucket's, here). Not the class's mask:
            # that depends on the role's other statements, and roles sharing the statements
            # that decide a class then share its answer, whatever else they hold.
            scope = bool(low & bucket_bits)
            at: Positions = ()
            # Pattern-tagged statements by how they match, not by the bucket (caller_keys.py).
            nkey = self.caller_keys.class_named(rf, bf, named, parts)
            if named_here:
                kind: object = (scope, tuple(bool(m & low) for m in bf.statement_masks))
                key: tuple[object, ...] = (kind, nkey, parts, shape, tail_shape)
            elif bf.policy_unreadable or bf.role_mask & low:
                kind = (scope, tuple(bool(m & low) for m in bf.acl_masks))
                # The bucket's statements by what they say, not where (renumber.py).
                found_shape = self._class_shapes.get((bf.bucket.name, low))
                if found_shape is None:
                    found_shape = self._class_shapes[(bf.bucket.name, low)] = positioned(
                        bf.class_shape(low))
                cshape, at = found_shape
                key = (kind, nkey, parts, cshape, tail_shape)
            else:
                key = (scope, nkey, parts, tail_plain)
            gate = bf.gate_key(low, rp)  # gates beyond the policies (gate.py, step 3)
            if gate is not None:
                key = (*key, gate)
            found = cache.get(key)
            if found is None:
                # The role's side of the engine's evaluation depends on what the plain key
                # says, but not on the bucket's parts (they only add requests): it is matched
                # once per such key and combined with each bucket shape's side.
                found, portable = self._decide_class(rf, bf, cls, named, parts, context,
                                                     (scope, tail_plain, linked))
                if portable:
                    cache[key] = found
                else:
                    # Members are asked one by one: the answer is this class's only.
                    cache[key] = _PER_ACTION
                    key = (cls, key)
                    cache[key] = found
                if at:
                    self._class_at[key] = at
            else:
                if found is _PER_ACTION:
                    key = (cls, key)
                    found = cache.get(key)
                    if found is None:
                        found = cache[key] = self._decide_class(
                            rf, bf, cls, named, parts, context, (scope, tail_plain, linked))[0]
                        if at:
                            self._class_at[key] = at
                src = self._class_at.get(key) if at else at
                if src != at:
                    # Decided where the statements stood elsewhere (None: not known, so
                    # never assumed to be here): this bucket's own numbers, or ask afresh.
                    moved = renumbered(found, src, at, bf) if src is not None else None
                    found = moved if moved is not None else self._decide_class(
                        rf, bf, cls, named, parts, context, (scope, tail_plain, linked))[0]
            if found[0].mask != cls and len(found) == 1:
                # Decided for a class of another role with the same deciding statements.
                found = (ClassAnswer(cls, found[0].answer, found[0].named_reason),)
            decided.append(found)
            keys.append((cls, key, at))
        # One ClassAnswers per distinct set of class answers, named by their cache keys.
        whole = tuple(keys)
        answers = self._answer_sets.get(whole)
        if answers is None:
            answers = self._answer_sets[whole] = ClassAnswers(
                tuple(entry for found in decided for entry in found), (self.numbering, whole))
        return answers

    def _decide_class(self, rf: RoleFacts, bf: BucketFacts, cls: int,
                      named: tuple[SigItem, ...], parts: frozenset[str],
                      context: Mapping[str, str], caller: tuple[object, ...] | None = None
                      ) -> tuple[tuple[ClassAnswer, ...], bool]:
        """Ask the engine for the class's first action; carry the answer to the others.

        Returns the answers and whether the first one stands for every member (then it is
        also every other class's with the same deciding statements, renamed the same way).

        The finished answer names its action only in an implicit denial's reason and in an
        unreadable policy's "it may grant <action>" reason: the first is renamed per member
        (ClassAnswer.named_reason), the second (and anything unexpected) is asked per action.
        """
        rp = rf.policies
        decider = self.decider
        probes: tuple[Statement, ...] = ()
        if caller is not None:
            blanked, probes = self.caller_keys.key(rf, named)
            caller = (*caller, blanked, probes)
        key_parts = frozenset(it[1] for it in named if it[1] not in ("", "*")) | parts
        rep = first_action(cls)
        core = decider.role_core(rp, bf, rep, key_parts, context, caller, probes)
        first = decider.role_finish(rep, core, bf, rp, context)
        shared = cls
        named_reason: str | None = None
        probe = for_member(core, rep, rep)
        portable = True
        if probe is None or ((bf.policy_unreadable or rp.identity_unread)
                             and not first.granted):
            shared = 1 << position(rep.name)
            portable = False
        elif probe is not core:
            # An implicit denial: its reason names the action; it must read back exactly.
            named_reason = generic_reasons(core[0].reasons, bf.bucket.arn)[0]
            if first.reasons.count(named_reason) != 1 or named_reason.count(rep.name) != 1:
                shared = 1 << position(rep.name)
                named_reason = None
                portable = False
        out = [ClassAnswer(shared, first, named_reason)]
        for action in actions_in(cls ^ shared):
            own = for_member(core, rep, action)
            if own is None:
                own = decider.role_core(rp, bf, action, key_parts, context, caller, probes)
            out.append(single(decider.role_finish(action, own, bf, rp, context)))
        return tuple(out), portable

    def _decide(self, rf: RoleFacts, bf: BucketFacts, special: bool,
                context: Mapping[str, str]) -> ClassResult:
        wanted = self._wanted(rf, bf, special)
        if not wanted:
            return ClassAnswers(())
        return self._decide_mask(rf, bf, wanted, context, self._items(rf, bf, special))

    def _where(self, rf: RoleFacts, bf: BucketFacts | None, special: bool,
               sig: tuple[SigItem, ...] | None = None) -> int:
        """Every statement concerning the bucket (named by `sig`, else by `bf`) in reading
        order (evidence order), as a number (-1: only the universal ones, in the base)."""
        if not special:
            return -1
        if sig is None:
            assert bf is not None
            sig = rf.sig_for(bf.bucket.name)
        where = self.number(("where", rf.ordered(sig)))
        return where if bf is None else self._probed_where(rf, bf, sig, where)

    def _probed_where(self, rf: RoleFacts, bf: BucketFacts, sig: tuple[SigItem, ...],
                      where: int) -> int:
        """`where` for one bucket, its pattern-tagged statements named by how they match the
        ARNs asked (CallerKeys.probed), so buckets they match alike share the whole answer.
        Kept per (where, bucket, the parts its policy names for the role): roles with the
        same statements concerning the bucket get the same number."""
        key = (where, bf.bucket.name, bf.named_parts.get(rf.policies.role.arn, ()))
        found = self._probed.get(key)
        if found is None:
            probed = self.caller_keys.probed(rf, bf, rf.ordered(sig))
            found = where if probed is None else self.number(("probed", probed))
            self._probed[key] = found
        return found

    def _cached(self, rf: RoleFacts, bf: BucketFacts, special: bool,
                context: Mapping[str, str], base: int,
                sig: tuple[SigItem, ...] | None = None, where: int | None = None
                ) -> ClassResult:
        if where is None:
            where = self._where(rf, bf, special, sig)
        shapes = self._shape_ids[bf.bucket.name]
        shape = shapes[1] if rf.policies.role.arn in bf.named_roles else shapes[0]
        key = (base, where, shape, self._who(rf, bf), bf.gate_who(rf.policies))
        found = self._cache.get(key)
        if found is None:
            found = self._decide(rf, bf, special, context)
            self._cache[key] = found
        return found

    def _base(self, rf: RoleFacts, context: Mapping[str, str]) -> int:
        """The part of every class key that comes from the role and the context (numbered)."""
        rp = rf.policies
        who = rf.who
        return self.number(("base", rf.universal_key, rp.boundary.key if rp.boundary else None,
                            rp.missing, who, tuple(sorted(context.items()))))

    def bucket_answer(self, rf: RoleFacts, bf: BucketFacts, context: Mapping[str, str]
                      ) -> ClassResult | None:
        """One role's answers on one bucket, decided alone: what `role_reach(rf,
        context).lookup(bf)` gives, without deciding the role's other buckets.

        The app asks this for a who-can view opened before the background analysis has
        reached every role; the answer goes through the same class cache, so it is the very
        answer the full analysis hands out later.
        """
        base = self._base(rf, context)
        if bf.kms is not None and caller_reads_context(rf.policies):
            # As role_reach decides it (see `_own_kms_answers`).
            shared = self._shared_answer(rf, bf, context, base)
            return None if shared is None else self._alone(rf, bf, context, base)
        return self._shared_answer(rf, bf, context, base)

    def _shared_answer(self, rf: RoleFacts, bf: BucketFacts, context: Mapping[str, str],
                       base: int) -> ClassResult | None:
        sig = rf.sig_for(bf.bucket.name)
        if rf.policies.role.arn in bf.named_roles:
            return self._cached(rf, bf, bool(sig), context, base, sig or None)
        if sig:
            return self._cached(rf, bf, True, context, base, sig)
        universal = bool(rf.universal_actions)
        if bf.shape is not None:
            rep = self.shape_groups[bf.shape][0]
            if not (universal or rep.anyone_actions or rep.policy_unreadable):
                return None
            rep = unnamed(rf, self.shape_groups[bf.shape]) or bf
            return self._cached(rf, rep, False, context, base)
        if universal:
            return self._cached(rf, unnamed(rf, self.plain) or bf, False, context, base)
        return None

    def trim(self) -> None:
        """Start the memos afresh when they hold more than MEMO_LIMIT class answers."""
        if len(self._class_cache) > MEMO_LIMIT:
            self._class_cache.clear()
            self._class_at.clear()
            self._class_shapes.clear()
            self.caller_keys.trim()
            self._answer_sets.clear()
            self._cache.clear()
            self._probed.clear()
            self.decider.trim()

    def role_reach(self, rf: RoleFacts, context: Mapping[str, str]) -> RoleReach:
        self.trim()
        rp = rf.policies
        reach = RoleReach(rp.role.arn,
                          universal=bool(rf.universal_actions) or rp.identity_unread)
        arn = rp.role.arn
        base = self._base(rf, context)
        special = reach.special
        runs = reach.special_runs
        # Buckets whose policy names this role: each one of a kind (its whole policy).
        named_here = self.named_for.get(arn, [])
        own = {bf.bucket.name for bf in named_here}
        for sig, names in rf.special_groups().items():
            kept = [n for n in names if n not in own] if own else names
            where = self._where(rf, None, True, sig)
            tagged = any(it[2] is not None for it in sig)
            for rep, alike in self._alike(sig, kept):
                res = self._cached(rf, rep, True, context, base, sig,
                                   self._probed_where(rf, rep, sig, where) if tagged else where)
                special.update(dict.fromkeys(alike, res))
                runs.append((res, alike))
        for bf in named_here:
            sig = rf.sig_for(bf.bucket.name)
            res = self._cached(rf, bf, bool(sig), context, base, sig or None)
            special[bf.bucket.name] = res
            runs.append((res, [bf.bucket.name]))
        for shape, group in self.shape_groups.items():
            rep = group[0]
            if not (reach.universal or rep.anyone_actions or rep.policy_unreadable):
                continue
            pick = unnamed(rf, group)
            if pick is not None:
                reach.by_shape[shape] = self._cached(rf, pick, False, context, base)
        pick = unnamed(rf, self.plain) if reach.universal else None
        if pick is not None:
            reach.default = self._cached(rf, pick, False, context, base)
        if self.kms_buckets and caller_reads_context(rp):
            self._own_kms_answers(rf, reach, context, base)
        return reach

    def _own_kms_answers(self, rf: RoleFacts, reach: RoleReach, context: Mapping[str, str],
                         base: int) -> None:
        """A role whose own policies (or boundary, or SCPs) read the KMS encryption context
        gets each SSE-KMS bucket's answer decided on that bucket: the context names the bucket
        (`aws:s3:arn`), so look-alike buckets of one shape and key may answer differently."""
        own: dict[str, ClassResult] = {}
        for bf in self.kms_buckets:
            if reach.lookup(bf) is not None:
                own[bf.bucket.name] = self._alone(rf, bf, context, base)
        if not own:
            return
        reach.special_runs[:] = [(res, kept) for res, names in reach.special_runs
                                 if (kept := [n for n in names if n not in own])]
        reach.special_runs.extend((res, [name]) for name, res in own.items())
        reach.special.update(own)

    def _alone(self, rf: RoleFacts, bf: BucketFacts, context: Mapping[str, str], base: int
               ) -> ClassResult:
        """The role's answers on this very bucket, never a look-alike's."""
        sig = rf.sig_for(bf.bucket.name)
        return self._cached(rf, bf, bool(sig), context, base, sig or None)
