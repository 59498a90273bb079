"""`rolemap snapshot synth --shape`: each named shape is byte-identical for a seed, has the
trait it is named for (against the default shape, same seed and size), and the default shape
writes the very bytes the generator wrote before shapes existed."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from graph.sources import SourceSpec, open_source
from graph.sources import export_folder as ef
from graph.sources.export_folder_gates import (
    ACCESS_POINT_DIR,
    ACCESS_POINT_POLICY_DIR,
    ACCESS_POINTS_DIR,
    ENCRYPTION_DIR,
    KMS_DIR,
    NETWORK_DIRS,
    ORG_DIR,
    OWNERSHIP_DIR,
)
from graph.sources.synth import SHAPES, SIZES, with_knobs, write_synthetic
from tui.cli import main

#: SHA-256 over (relative path, bytes) of every file of the small size, seed 0, and of a
#: 120-role account, seed 7, as written before shapes existed (commit d4be093).
BEFORE_SHAPES = {
    0: "940b5931866c9720dd8e3819894851aa29ad2a2ac8c5b96a17f1ceb0dbf0766c",
    7: "93a154f07f05571ef7938a14ef272d16abf75310b580ea65596fb2c6dde94d8a",
}
OTHER_SIZE = {"roles": 120, "instances": 100, "buckets": 90, "policies": 40}
#: Enough roles and buckets for proportions; few instances (they do not depend on the shape).
SIZE = {"roles": 200, "instances": 20, "buckets": 150, "policies": 60}


#: The gates' files (network, KMS, encryption, ownership, access points, organisation) came
#: later, from their own random streams: the digest covers the files that were there before.
#: So did the existing compute's listings (compute/, empty: no random draw).
_GATE_DIRS = frozenset({*NETWORK_DIRS.values(), KMS_DIR, ENCRYPTION_DIR, OWNERSHIP_DIR,
                        ACCESS_POINTS_DIR, ACCESS_POINT_DIR, ACCESS_POINT_POLICY_DIR, ORG_DIR,
                        "compute"})


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.relative_to(folder).parts[0] not in _GATE_DIRS:
            h.update(str(p.relative_to(folder)).encode())
            h.update(b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    s = doc["Statement"]
    return s if isinstance(s, list) else [s]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class Account:
    """What a reviewer would count in an export folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        details = json.loads((folder / ef.IAM).read_text())
        self.roles: list[dict[str, Any]] = details["RoleDetailList"]
        self.policies: list[dict[str, Any]] = details["Policies"]
        self.bucket_policies = [json.loads(json.loads(p.read_text())["Policy"]) for p in
                                sorted((folder / "s3api-get-bucket-policy").glob("*.json"))]

    def inline(self) -> list[dict[str, Any]]:
        return [s for r in self.roles for p in r["RolePolicyList"]
                for s in _statements(p["PolicyDocument"])]

    def identity(self) -> list[dict[str, Any]]:
        """Inline statements and those of the shared customer policies' default versions."""
        managed = [s for p in self.policies if "-policy-" in p["Arn"]
                   for v in p["PolicyVersionList"] if v["IsDefaultVersion"]
                   for s in _statements(v["Document"])]
        return self.inline() + managed

    def s3_resources(self) -> list[str]:
        return [r for s in self.identity() for r in _list(s.get("Resource", []))
                if r.startswith("arn:aws:s3:::")]


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Account]:
    base = tmp_path_factory.mktemp("shapes")
    return {name: Account(write_synthetic(base / name, **SIZE, seed=3, shape=shape))
            for name, shape in SHAPES.items()}


def test_default_shape_writes_the_bytes_written_before_shapes(tmp_path: Path) -> None:
    small = write_synthetic(tmp_path / "s", **vars(SIZES["small"]), seed=0)
    other = write_synthetic(tmp_path / "o", **OTHER_SIZE, seed=7, shape=SHAPES["default"])
    assert (_digest(small), _digest(other)) == (BEFORE_SHAPES[0], BEFORE_SHAPES[7])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_shape_same_seed_same_bytes(name: str, tmp_path: Path) -> None:
    a = write_synthetic(tmp_path / "a", **SIZE, seed=5, shape=SHAPES[name])
    b = write_synthetic(tmp_path / "b", **SIZE, seed=5, shape=SHAPES[name])
    c = write_synthetic(tmp_path / "c", **SIZE, seed=6, shape=SHAPES[name])
    assert _files(a) == _files(b)
    assert _files(a)[ef.IAM] != _files(c)[ef.IAM]
    snap = open_source(SourceSpec(snapshot=str(a))).snapshot
    assert snap.warnings == () and len(snap.roles) == SIZE["roles"]


def test_at_least_six_shapes_each_differs_from_default(accounts: dict[str, Account]) -> None:
    assert len(SHAPES) >= 6
    default = (accounts["default"].folder / ef.IAM).read_bytes()
    for name, account in accounts.items():
        if name != "default":
            differs = (account.folder / ef.IAM).read_bytes() != default or \
                account.bucket_policies != accounts["default"].bucket_policies
            assert differs, name


def test_inline_heavy_has_more_roles_with_more_inline_statements(
        accounts: dict[str, Account]) -> None:
    def with_inline(a: Account) -> int:
        return sum(bool(r["RolePolicyList"]) for r in a.roles)

    default, heavy = accounts["default"], accounts["inline-heavy"]
    assert with_inline(heavy) >= 0.9 * len(heavy.roles) > with_inline(default) * 1.2
    assert len(heavy.inline()) > 2.5 * len(default.inline())
    assert max(len(r["RolePolicyList"]) for r in heavy.roles) == 5


def test_bucket_policies_more_and_larger_with_prefix_grants(accounts: dict[str, Account]) -> None:
    default, shaped = accounts["default"], accounts["bucket-policies"]
    assert len(shaped.bucket_policies) > 1.8 * len(default.bucket_policies)

    def mean_size(a: Account) -> float:
        return sum(len(_statements(d)) for d in a.bucket_policies) / len(a.bucket_policies)

    assert mean_size(shaped) > 2 * mean_size(default)
    prefixed = [s for d in shaped.bucket_policies for s in _statements(d)
                if s.get("Sid", "").startswith("PrefixList")]
    assert prefixed and all("s3:prefix" in json.dumps(s["Condition"]) for s in prefixed)
    assert not any(s.get("Sid", "").startswith("Prefix") for d in default.bucket_policies
                   for s in _statements(d))


def mid_wildcard(resource: str) -> bool:
    """A bucket name with a wildcard before its trailing `*`s (`acme-*-logs-*`, `acme-?ata-*`),
    not only a prefix (`acme-data-*`)."""
    name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return any(c in name.rstrip("*") for c in "*?")


def test_wildcard_names_match_buckets_across_teams(accounts: dict[str, Account]) -> None:
    def patterns(a: Account) -> list[str]:
        return [r for r in a.s3_resources() if mid_wildcard(r)]

    shaped = patterns(accounts["wildcard-names"])
    assert not patterns(accounts["default"])
    assert len(shaped) > 0.3 * len(accounts["wildcard-names"].s3_resources())
    assert any(re.match(r"^arn:aws:s3:::acme-\*-logs-\*", r) for r in shaped)


def test_prefixes_and_conditions_more_of_both(accounts: dict[str, Account]) -> None:
    def counts(a: Account) -> tuple[float, int, float]:
        stmts = [s for s in a.identity() if any(r.startswith("arn:aws:s3:::") for r in
                                                 _list(s.get("Resource", [])))]
        keys = {k for s in stmts for op in s.get("Condition", {}).values() for k in op}
        prefixed = [r for r in a.s3_resources() if re.match(r"^arn:aws:s3:::[^/]+/.+/", r)]
        return (sum("Condition" in s for s in stmts) / len(stmts), len(keys),
                len(prefixed) / len(a.s3_resources()))

    default, shaped = counts(accounts["default"]), counts(accounts["prefixes-and-conditions"])
    assert shaped[0] > 1.5 * default[0], "a larger share of S3 statements is conditional"
    assert shaped[1] >= default[1] + 5, "conditions of more kinds"
    assert shaped[2] > 1.5 * default[2], "a larger share of resources are key prefixes"


def test_chains_roles_assume_roles_that_trust_them_back(accounts: dict[str, Account]) -> None:
    def chains(a: Account) -> list[tuple[str, str]]:
        trusted = {r["Arn"]: {p for s in _statements(r["AssumeRolePolicyDocument"])
                              for p in _list(s["Principal"].get("AWS", []))} for r in a.roles}
        return [(r["Arn"], target) for r in a.roles for p in r["RolePolicyList"]
                if p["PolicyName"] == "assume-chain"
                for s in _statements(p["PolicyDocument"]) for target in _list(s["Resource"])
                if r["Arn"] in trusted[target]]

    shaped = accounts["chains"]
    links = chains(shaped)
    callers = {c for c, _ in links}
    assert 0.08 * len(shaped.roles) <= len(callers) <= 0.25 * len(shaped.roles)
    assert not chains(accounts["default"])
    # Longer chains: some role both assumes and is assumed.
    assert callers & {t for _, t in links}
    snap = open_source(SourceSpec(snapshot=str(shaped.folder))).snapshot
    assert snap.warnings == ()


def test_flat_zipf_spreads_shared_policies(accounts: dict[str, Account]) -> None:
    def top(a: Account) -> int:
        used = Counter(m["PolicyArn"] for r in a.roles for m in r["AttachedManagedPolicies"]
                       if "-policy-" in m["PolicyArn"])
        return used.most_common(1)[0][1]

    assert top(accounts["flat-zipf"]) * 4 < top(accounts["default"])


def test_mixed_has_every_trait(accounts: dict[str, Account]) -> None:
    mixed, default = accounts["mixed"], accounts["default"]
    assert len(mixed.inline()) > 2.5 * len(default.inline())
    assert len(mixed.bucket_policies) > 1.8 * len(default.bucket_policies)
    assert any(mid_wildcard(r) for r in mixed.s3_resources())
    assert any(r["PolicyName"] == "assume-chain" for a in mixed.roles
               for r in a["RolePolicyList"])


def test_cli_shape_and_knobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "synth", str(tmp_path / "cli"), "--size", "small", "--seed", "2",
                 "--shape", "inline-heavy"]) == 0
    direct = write_synthetic(tmp_path / "direct", **vars(SIZES["small"]), seed=2,
                             shape=SHAPES["inline-heavy"])
    assert _files(tmp_path / "cli") == _files(direct)
    assert "shape inline-heavy" in capsys.readouterr().err
    assert main(["snapshot", "synth", str(tmp_path / "k"), "--size", "small",
                 "--knob", "inline_counts=0,0,0,1", "--knob", "zipf-s=0"]) == 0
    roles = json.loads((tmp_path / "k" / ef.IAM).read_text())["RoleDetailList"]
    assert all(len(r["RolePolicyList"]) == 3 for r in roles)
    for bad, said in (("nope=1", "'nope=1': expected NAME=VALUE"),
                      ("chains=2", "a share is at most 1"),
                      ("inline_s3=4,2", "LOW <= HIGH"), ("zipf_s=x", "not a number"),
                      ("inline_s3=1.5,2", "not a list of whole numbers")):
        capsys.readouterr()
        assert main(["snapshot", "synth", str(tmp_path / "bad"), "--size", "small",
                     "--knob", bad]) == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()
    assert with_knobs(SHAPES["default"], []) is SHAPES["default"]
