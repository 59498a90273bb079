"""Where one role reaches: buckets mapped to shared answers, compactly (see reach/computer.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.access.classify.bucket_facts import BucketFacts
from graph.access.model import ActionAccess

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
    #: `special` as decided: (answers, the bucket names sharing them), in `special`'s order
    #: (exports walk these instead of one entry per bucket).
    special_runs: list[tuple[ClassResult, list[str]]] = field(default_factory=list)
    universal: bool = False

    def lookup(self, bf: BucketFacts) -> ClassResult | None:
        name = bf.bucket.name
        if name in self.special:
            return self.special[name]
        if bf.shape is not None:
            return self.by_shape.get(bf.shape)
        return self.default if self.universal else None
