"""The account's buckets grouped the way answers are shared: by shape, plain, and named by a
role's statements or by a bucket policy naming a role (see computer.py, which decides one
bucket of each group and hands its answers to the rest)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from graph.access.answers.role_reach import ClassResult, RoleReach
from graph.access.classify.bucket_facts import BucketFacts
from graph.access.classify.role_facts import RoleFacts, SigItem


class BucketGroups:
    """Buckets by name, by shape, plain, and by the roles their policies name."""

    def __init__(self, buckets: list[BucketFacts]) -> None:
        self.buckets = buckets
        self.by_name = {bf.bucket.name: bf for bf in buckets}
        self.shape_groups: dict[object, list[BucketFacts]] = {}
        self.plain: list[BucketFacts] = []
        for bf in buckets:
            if bf.shape is None:
                self.plain.append(bf)
            else:
                self.shape_groups.setdefault(bf.shape, []).append(bf)
        #: Buckets whose policy names a role, by the role's ARN: one of a kind for that role.
        self.named_for: dict[str, list[BucketFacts]] = {}
        for bf in buckets:
            for arn in bf.named_roles:
                self.named_for.setdefault(arn, []).append(bf)
        self._alike_kept: dict[tuple[object, ...], list[tuple[BucketFacts, list[str]]]] = {}

    @cached_property
    def bucket_instance_keys(self) -> frozenset[str]:
        return frozenset(k for bf in self.buckets for k in bf.instance_keys)

    def _alike(self, sig: tuple[SigItem, ...], names: list[str]
               ) -> list[tuple[BucketFacts, list[str]]]:
        """Buckets the same statements concern, split by shape (and by name where the
        bucket's policy reads who asks): each part shares one answer. Kept per names list,
        since roles sharing a policy share its lists."""
        if len(names) == 1:  # most groups: a bucket some statement names alone
            bf = self.by_name.get(names[0])
            return [(bf, [names[0]])] if bf is not None else []
        kept_key = (sig, tuple(names))
        kept = self._alike_kept.get(kept_key)
        if kept is not None:
            return kept
        alike: dict[object, tuple[BucketFacts, list[str]]] = {}
        for name in names:
            bf = self.by_name.get(name)
            if bf is not None:
                part = (bf.shape, name if bf.principal_specific else None)
                found = alike.get(part)
                if found is None:
                    alike[part] = (bf, [name])
                else:
                    found[1].append(name)
        out = list(alike.values())
        if len(names) > 8:  # short lists are cheap to split again; don't hoard them
            self._alike_kept[kept_key] = out
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
        for res, names in reach.special_runs:
            if res:
                yield res, names
        for shape, res in reach.by_shape.items():
            if res:
                names = [bf.bucket.name for bf in self.shape_groups[shape]]
                yield res, [n for n in names if n not in special] if special else names
        if reach.universal and reach.default:
            names = self.plain_names
            yield reach.default, [n for n in names if n not in special] if special else names

    @cached_property
    def kms_buckets(self) -> list[BucketFacts]:
        """The SSE-KMS buckets (their answers may depend on the bucket through the key's
        encryption context: see ReachComputer._own_kms_answers)."""
        return [bf for bf in self.buckets if bf.kms is not None]

    @cached_property
    def plain_names(self) -> list[str]:
        return [bf.bucket.name for bf in self.plain]


def unnamed(rf: RoleFacts, group: list[BucketFacts]) -> BucketFacts | None:
    """A bucket of `group` no statement of the role names specifically: the one to decide
    the group's shared answer on. The engine reads the role's real policies, so on a bucket
    some statement names (a Deny, a grant with conditions) the answer would carry that
    statement to every look-alike bucket, and through the class cache to every role with the
    same account-wide statements. None when the role names every bucket of the group."""
    special = rf.special  # the buckets with statements of their own (`sig_for` non-empty)
    arn = rf.policies.role.arn
    return next((bf for bf in group if bf.bucket.name not in special
                 and arn not in bf.named_roles), None)
