"""What a grant exposes, in the order a reviewer weighs it: permissions, object data, metadata.

A title that says "can list, read and write 990 buckets" when on 980 of them the only action
is s3:GetBucketLocation (the common ListAllMyBuckets / GetBucketLocation on "*") overstates;
one that ranks reading every bucket below writing twelve understates. So every S3 action
falls in one exposure class, a bucket counts in the highest class it is exposed to, titles
say the data classes first and count metadata-only buckets apart, and severity follows the
class, how many buckets hold exposed data, who can reach it and whether a door is open.

Classes (highest first):
- permissions: the "Permissions management" access level (bucket policy, ACLs, Block
  Public Access, object ACLs): whoever holds it can grant everything else;
- write: object writes and deletes, and bucket writes that change or destroy data
  (DeleteBucket, lifecycle, replication, versioning);
- read: reads of object content (GetObject, GetObjectVersion and their torrent and
  replication forms);
- list: object keys (ListBucket, ListBucketVersions, multipart listings);
- metadata: everything else: the bucket's location, configuration reads, object tags, ACLs
  and attributes, tagging.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import cache, lru_cache

from graph.findings.model import Severity

#: Buckets holding exposed data (read or more) from which a grant counts as broad.
BROAD = 10
#: Reads that return object content (GetObjectTagging, GetObjectAcl... return metadata).
CONTENT_READS = frozenset({"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent",
                           "s3:GetObjectVersionTorrent", "s3:GetObjectVersionForReplication"})
#: Listings of object keys (names often carry data: customer ids, dates, file names).
KEY_LISTS = frozenset({"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads",
                       "s3:ListMultipartUploadParts"})


class Exposure(IntEnum):
    """One class of what an action exposes; higher is worse."""

    METADATA = 0
    LIST = 1
    READ = 2
    WRITE = 3
    PERMISSIONS = 4


#: How each class reads in a title ("reads objects in 12 buckets").
_VERB = {Exposure.PERMISSIONS: "changes permissions on", Exposure.WRITE: "writes or deletes in",
         Exposure.READ: "reads objects in", Exposure.LIST: "lists objects in",
         Exposure.METADATA: "metadata only on"}
#: Severity of a class before reach and doors are counted.
_BASE = {Exposure.PERMISSIONS: Severity.HIGH, Exposure.WRITE: Severity.HIGH,
         Exposure.READ: Severity.MEDIUM, Exposure.LIST: Severity.LOW,
         Exposure.METADATA: Severity.INFO}
_RANKED = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


@cache
def exposure_of(action: str) -> Exposure:
    """The class of one S3 action, from the catalogue's access level and resource scope."""
    from graph.catalog import find_action

    entry = find_action(action)
    if entry is None:  # not a bucket or object action: nothing of a bucket's data
        return Exposure.METADATA
    if entry.level == "Permissions management":
        return Exposure.PERMISSIONS
    if entry.level == "Write":
        return Exposure.WRITE
    if entry.name in CONTENT_READS:
        return Exposure.READ
    if entry.name in KEY_LISTS:
        return Exposure.LIST
    return Exposure.METADATA


def bucket_exposure(actions: Iterable[str]) -> Exposure:
    """The highest class among a bucket's actions (metadata for none). Buckets share their
    action sets (one answer for a class of buckets): each distinct set is classed once."""
    return _set_exposure(actions if isinstance(actions, frozenset) else frozenset(actions))


@lru_cache(maxsize=8192)
def _set_exposure(actions: frozenset[str]) -> Exposure:
    return max((exposure_of(a) for a in actions), default=Exposure.METADATA)


@dataclass(frozen=True)
class ExposureSummary:
    """Buckets by the highest class they are exposed to."""

    by_class: Mapping[Exposure, tuple[str, ...]]

    @classmethod
    def of(cls, reach: Mapping[str, Iterable[str]]) -> ExposureSummary:
        found: dict[Exposure, list[str]] = {}
        for bucket, actions in reach.items():
            found.setdefault(bucket_exposure(actions), []).append(bucket)
        return cls({k: tuple(sorted(v)) for k, v in sorted(found.items(), reverse=True)})

    @property
    def worst(self) -> Exposure:
        return max(self.by_class, default=Exposure.METADATA)

    @property
    def data_buckets(self) -> int:
        """Buckets whose objects (or permissions) are exposed: read or more."""
        return sum(len(v) for k, v in self.by_class.items() if k >= Exposure.READ)

    def breadth_rank(self) -> int:
        """The highest of each class's base rank, one up where it spans BROAD buckets."""
        best = 0
        spanned = 0
        for exposure, buckets in self.by_class.items():  # highest class first
            spanned += len(buckets)
            if exposure < Exposure.READ and exposure is not self.worst:
                continue  # keys and metadata raise nothing once data is exposed
            rank = _BASE[exposure].rank + (1 if spanned >= BROAD and
                                           exposure >= Exposure.READ else 0)
            best = max(best, rank)
        return best

    def text(self) -> str:
        """'writes or deletes in 2 buckets, reads objects in 10 more; metadata only on 978
        more': data first, each bucket counted once, in its highest class."""
        parts: list[str] = []
        for exposure, buckets in self.by_class.items():
            if exposure is Exposure.METADATA:
                continue
            parts.append(f"{_VERB[exposure]} {_count(len(buckets), bool(parts))}")
        text = ", ".join(parts)
        meta = self.by_class.get(Exposure.METADATA, ())
        if meta:
            text += ("; " if parts else "") + f"metadata only on {_count(len(meta), bool(parts))}"
        return text or "no bucket"


def _count(n: int, more: bool = False) -> str:
    """'12 buckets', or '12 more' after a first count."""
    if more:
        return f"{n} more"
    return f"{n} bucket" if n == 1 else f"{n} buckets"


def severity_for(summary: ExposureSummary, *, audience: str = "own", door: bool = False,
                 limited: bool = False, unknown: bool = False) -> Severity:
    """The one severity rule (the README's table):
    - each class sets a base: permissions or write high, read medium, list low, metadata
      info; one level up when BROAD buckets or more are exposed at that class or above
      (writing 2 buckets and reading 10 more is high for both reasons, not critical); the
      highest of these counts;
    - one level up for an audience of anyone (`public`, or any account through "*");
      another named account (`account`) and the account's own principals (`own`) add none;
    - one level up when a door is open (a running instance with a public IP and IMDSv1);
    - one level down when every grant is limited to a network or caller (`limited`);
    - low when a step could not be decided (`unknown`), at most the computed level.
    Never above critical; info stays info (nothing of value is exposed)."""
    if _BASE[summary.worst] is Severity.INFO:
        return Severity.INFO
    rank = summary.breadth_rank()
    if audience == "public":
        rank += 1
    if door:
        rank += 1
    if limited:
        rank -= 1
    rank = max(Severity.LOW.rank, min(Severity.CRITICAL.rank, rank))
    severity = _RANKED[rank]
    if unknown and severity.rank > Severity.LOW.rank:
        return Severity.LOW
    return severity
