"""An organisation's analysis as the queries see it: a role's answers on other accounts'
buckets, each from the view that decided it (reach/foreign.py), and the answer for a pair no
view holds. AccessGraph (graph.py) asks these only when its data has foreign sides."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from graph.access.model import ActionAccess
from graph.access.reach.build import AccessData
from graph.catalog import require_action
from graph.model import Bucket, Instance
from graph.policy import Outcome, PolicyKind

Classes = Iterator[tuple[Mapping[str, ActionAccess], list[str]]]


def foreign_buckets(data: AccessData, role_arn: str, instance: Instance | None
                    ) -> Iterator[tuple[str, Mapping[str, ActionAccess]]]:
    """The role's answers on other accounts' buckets, view by view, then the unknown
    answers of a role whose account could not be loaded."""
    foreign = data.foreign
    assert foreign is not None
    own = instance if role_arn in data.snapshot.role_by_arn else None
    for view in foreign.role_views(role_arn):
        for bf, res in view.reach.iter_buckets(view.reach_for(role_arn, own)):
            yield bf.bucket.name, res
    yield from foreign.failed_answers(role_arn)


def org_classes(data: AccessData, role_arn: str, instance: Instance | None) -> Classes:
    """`AccessGraph.role_classes` in an organisation's analysis: the role's own account's
    buckets, then each view's, then the answers of a role whose account was not loaded."""
    foreign = data.foreign
    assert foreign is not None
    own = role_arn in data.snapshot.role_by_arn
    if own or role_arn in data.unread_by_arn:
        yield from data.reach.iter_classes(data.reach_for(role_arn, instance))
    for view in foreign.role_views(role_arn):
        yield from view.reach.iter_classes(view.reach_for(role_arn, instance if own else None))
    for name, res in foreign.failed_answers(role_arn):
        yield res, [name]


def by_side(data: AccessData, role_arn: str,
            classes: Iterable[tuple[Mapping[str, ActionAccess], list[str]]]
            ) -> Iterator[tuple[str | None, Mapping[str, ActionAccess], list[str]]]:
    """`classes` split by the analysis deciding each bucket for the role: (a bucket of it,
    answers, bucket names); None first for a role of an account not loaded (no gate read)."""
    for res, names in classes:
        sides: dict[int, list[str]] = {}
        passed: list[str] = []
        for name in names:
            side = data.side(role_arn, name)
            if side is None:
                passed.append(name)
            else:
                sides.setdefault(id(side), []).append(name)
        for part in sides.values():
            yield part[0], res, part
        if passed:
            yield None, res, passed


def foreign_bucket(data: AccessData, name: str) -> Bucket | None:
    """Another account's bucket this analysis holds (None: none by that name)."""
    foreign = data.foreign
    if foreign is None or name in data.snapshot.bucket_by_name:
        return None
    found = foreign.buckets.get(name)
    return found[0] if found is not None else None


def views(data: AccessData) -> list[AccessData]:
    """Every view of other accounts' buckets the analysis holds (none for one account)."""
    foreign = data.foreign
    return [v for vs in foreign.views.values() for v in vs] if foreign is not None else []


def holder(data: AccessData, bucket: str) -> AccessData:
    """The analysis whose book compiled the bucket's documents (a view, for another
    account's bucket)."""
    if data.foreign is None or bucket in data.snapshot.bucket_by_name:
        return data
    found = next((v for v in views(data) if bucket in v.bucket_by_name), None)
    return found if found is not None else data


def not_admitted(action: str, bucket: str, role_arn: str, data: AccessData) -> ActionAccess:
    """A role's answer on another account's bucket that no view holds: nothing of the
    bucket's policy admits the role's account, and across accounts the bucket must."""
    entry = require_action(action)
    foreign = data.foreign
    owner = foreign.bucket_account(bucket) if foreign is not None else None
    where = f" (account {owner})" if owner else ""
    caller = role_arn.split(":")[4] if role_arn.count(":") >= 4 else "?"
    why = (f"cross-account: the policy of bucket {bucket}{where} grants nothing to account "
           f"{caller}, and a request from another account needs it to")
    return ActionAccess(entry.name, entry.level, entry.scope, Outcome.DENIED, (why,), (), (),
                        PolicyKind.RESOURCE)
