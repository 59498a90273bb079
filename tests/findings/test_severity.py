"""The severity table of the README, one test per row, and the exposure classes behind it."""

from __future__ import annotations

import pytest

from graph.findings import Severity
from graph.findings.exposure import (
    BROAD,
    Exposure,
    ExposureSummary,
    exposure_of,
    severity_for,
)

READ = ("s3:GetObject",)
WRITE = ("s3:PutObject", "s3:GetObject")
PERMS = ("s3:PutBucketPolicy",)
LIST = ("s3:ListBucket",)
META = ("s3:GetBucketLocation",)


def _on(n: int, actions: tuple[str, ...]) -> ExposureSummary:
    return ExposureSummary.of({f"b{i:03d}": actions for i in range(n)})


@pytest.mark.parametrize("action, exposure", [
    ("s3:PutBucketPolicy", Exposure.PERMISSIONS), ("s3:PutObjectAcl", Exposure.PERMISSIONS),
    ("s3:PutObject", Exposure.WRITE), ("s3:DeleteObject", Exposure.WRITE),
    ("s3:PutLifecycleConfiguration", Exposure.WRITE),
    ("s3:GetObject", Exposure.READ), ("s3:GetObjectVersion", Exposure.READ),
    ("s3:ListBucket", Exposure.LIST),
    ("s3:GetBucketLocation", Exposure.METADATA), ("s3:GetObjectTagging", Exposure.METADATA),
    ("s3:GetObjectAcl", Exposure.METADATA), ("s3:PutObjectTagging", Exposure.METADATA),
    ("s3:ListAllMyBuckets", Exposure.METADATA),
])
def test_exposure_classes(action: str, exposure: Exposure) -> None:
    assert exposure_of(action) is exposure


def test_row_the_highest_class_sets_the_base() -> None:
    assert severity_for(_on(1, PERMS)) is Severity.HIGH
    assert severity_for(_on(1, WRITE)) is Severity.HIGH
    assert severity_for(_on(1, READ)) is Severity.MEDIUM
    assert severity_for(_on(1, LIST)) is Severity.LOW
    assert severity_for(_on(1, META)) is Severity.INFO


def test_row_data_in_many_buckets_is_one_level_up() -> None:
    assert severity_for(_on(BROAD - 1, READ)) is Severity.MEDIUM
    assert severity_for(_on(BROAD, READ)) is Severity.HIGH
    # Metadata-only buckets do not count: location on 980 buckets is not data.
    wide_meta = ExposureSummary.of({**{f"m{i}": META for i in range(980)}, "d": READ})
    assert severity_for(wide_meta) is Severity.MEDIUM
    assert wide_meta.text() == "reads objects in 1 bucket; metadata only on 980 more"


def test_row_breadth_counts_per_class() -> None:
    # Writing 2 buckets and reading 10 more: high for the writes, high for the broad reads;
    # not critical, since neither class alone is both.
    mixed = ExposureSummary.of({**{f"w{i}": WRITE for i in range(2)},
                                **{f"r{i}": READ for i in range(10)}})
    assert severity_for(mixed) is Severity.HIGH
    assert severity_for(_on(BROAD, WRITE)) is Severity.CRITICAL


def test_row_anyone_is_one_level_up_another_account_none() -> None:
    assert severity_for(_on(1, READ), audience="public") is Severity.HIGH
    assert severity_for(_on(1, WRITE), audience="public") is Severity.CRITICAL
    assert severity_for(_on(1, READ), audience="account") is Severity.MEDIUM


def test_row_an_open_door_is_one_level_up() -> None:
    assert severity_for(_on(1, READ), door=True) is Severity.HIGH
    assert severity_for(_on(1, WRITE), door=True) is Severity.CRITICAL


def test_row_a_limited_grant_is_one_level_down() -> None:
    assert severity_for(_on(1, WRITE), limited=True) is Severity.MEDIUM
    assert severity_for(_on(1, LIST), limited=True) is Severity.LOW  # never below low


def test_row_unknown_is_low() -> None:
    assert severity_for(_on(BROAD, WRITE), audience="public", unknown=True) is Severity.LOW


def test_row_never_above_critical_and_metadata_stays_info() -> None:
    assert severity_for(_on(BROAD, WRITE), audience="public", door=True) is Severity.CRITICAL
    assert severity_for(_on(BROAD, META), audience="public", door=True) is Severity.INFO


def test_titles_say_data_first_each_bucket_once() -> None:
    summary = ExposureSummary.of({"a": WRITE, "b": READ, "c": READ, "d": META})
    assert summary.text() == "writes or deletes in 1 bucket, reads objects in 2 more; " \
        "metadata only on 1 more"
