"""What the anonymous public can do on a bucket: the grants to anyone, after Block Public
Access, and "unknown" wherever a bucket policy or ACL could not be read."""

from __future__ import annotations

from graph.access.classify.bucket_facts import BucketFacts
from graph.access.compile.actions import mask_of
from graph.access.decide.decider import Decider
from graph.access.model import ActionAccess
from graph.access.reach.computer import ClassResult
from graph.catalog import S3Action


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
        known = (decider.public_action(bf, action, bf.parts_for(mask_of((action.name,))))
                 if action.name in names else None)
        unread = decider.public_unread(bf, action, known)
        if unread is not None:
            known = unread
        if known is not None:
            out[action.name] = known
    return out
