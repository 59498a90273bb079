"""`rolemap snapshot synth`: realistic accounts, byte-identical for a seed, with the traits of
REALISTIC-ACCOUNTS.md in about the stated proportions, loading cleanly through the loaders."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from graph.sources import SourceSpec, open_source
from graph.sources import export_folder as ef
from graph.sources.snapshot_file import load_snapshot
from graph.sources.synth import SIZES, write_synthetic
from tui.cli import main

SEEDS = (0, 1, 2, 3)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The small size under a few seeds: proportions are checked over all of them."""
    base = tmp_path_factory.mktemp("synth")
    return [write_synthetic(base / f"seed-{s}", **vars(SIZES["small"]), seed=s) for s in SEEDS]


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    s = doc["Statement"]
    return s if isinstance(s, list) else [s]


def _roles(folders: list[Path]) -> list[dict[str, Any]]:
    return [r for f in folders for r in _json(f / ef.IAM)["RoleDetailList"]]


def _instances(folder: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for path in sorted((folder / ef.INSTANCES_DIR).glob("*.json")):
        for res in _json(path)["Reservations"]:
            out += [(path.stem, res, i) for i in res["Instances"]]
    return out


def _near(count: int, total: int, share: float, slack: float) -> bool:
    return abs(count / total - share) <= slack


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = _files(write_synthetic(tmp_path / "a", **vars(SIZES["small"]), seed=11))
    b = _files(write_synthetic(tmp_path / "b", **vars(SIZES["small"]), seed=11))
    c = _files(write_synthetic(tmp_path / "c", **vars(SIZES["small"]), seed=12))
    assert a == b
    assert a[ef.IAM] != c[ef.IAM]
    assert set(a) != set(c), "bucket names (file names) depend on the seed too"


def test_cli_sizes_counts_and_snapshot_file(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "synth", str(tmp_path / "s"), "--size", "small"]) == 0
    snap = open_source(SourceSpec(snapshot=str(tmp_path / "s"))).snapshot
    assert (len(snap.roles), len(snap.buckets)) == (50, 40)
    # Terminated instances are in describe-instances but not in the model.
    assert len(_instances(tmp_path / "s")) == 200
    custom = [p for p in snap.managed_policies if not p.is_aws_managed
              and "-policy-" in p.name]
    assert len(custom) == 20
    assert main(["snapshot", "synth", str(tmp_path / "o"), "--size", "small", "--roles", "7",
                 "--buckets", "3", "--instances", "9", "--seed", "4"]) == 0
    snap = open_source(SourceSpec(snapshot=str(tmp_path / "o"))).snapshot
    assert (len(snap.roles), len(snap.buckets)) == (7, 3)
    for name in ("one.json", "two.json"):
        assert main(["snapshot", "synth", str(tmp_path / name), "--size", "small"]) == 0
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    from_file = load_snapshot(tmp_path / "one.json")
    assert from_file.source.kind == "synthetic" and len(from_file.roles) == 50
    assert "rolemap --snapshot" in capsys.readouterr().err


def test_loads_cleanly_with_every_reference_resolved(small: list[Path]) -> None:
    for folder in small:
        snap = open_source(SourceSpec(snapshot=str(folder))).snapshot
        assert snap.warnings == () and not any(b.unknown for b in snap.buckets)
        assert snap.account.unknown == frozenset()
        policies = {p.arn for p in snap.managed_policies}
        for role in snap.roles:
            assert set(role.attached_policy_arns) <= policies
            assert role.permissions_boundary_arn in policies | {None}
        dangling = {i.instance_profile_arn for i in snap.instances} - set(snap.profile_by_arn)
        assert all(":instance-profile/deleted-" in arn for arn in dangling - {None})


def test_roles_trust_profiles_boundaries_tags(small: list[Path]) -> None:
    roles = _roles(small)
    n = len(roles)

    def kind(role: dict[str, Any]) -> str:
        principals = [s["Principal"] for s in _statements(role["AssumeRolePolicyDocument"])]
        if any("Service" not in p for p in principals):
            return "other"
        services = [v for p in principals for v in
                    (p["Service"] if isinstance(p["Service"], list) else [p["Service"]])]
        return "ec2" if services == ["ec2.amazonaws.com"] else \
            "several" if len(services) > 1 else "one-other-service"

    kinds = Counter(kind(r) for r in roles)
    assert _near(kinds["ec2"], n, 0.75, 0.08)
    assert _near(kinds["several"], n, 0.10, 0.06)
    assert _near(kinds["other"], n, 0.07, 0.05)
    assert _near(kinds["one-other-service"], n, 0.08, 0.05)
    assert _near(sum(bool(r["InstanceProfileList"]) for r in roles), n, 0.70, 0.08)
    assert _near(sum("PermissionsBoundary" in r for r in roles), n, 0.20, 0.07)
    assert _near(sum(bool(r["Tags"]) for r in roles), n, 0.60, 0.08)
    assert _near(sum(r["Path"] != "/" for r in roles), n, 0.10, 0.05)
    trust = [s for r in roles for s in _statements(r["AssumeRolePolicyDocument"])]
    assert any(s.get("Sid") == "" for s in trust)
    assert any("sts:TagSession" in s["Action"] for s in trust)
    assert any("sts:ExternalId" in json.dumps(s.get("Condition", {})) for s in trust)
    assert all(1 <= len(r["AttachedManagedPolicies"]) <= 9 for r in roles)
    assert all(len(r["RolePolicyList"]) <= 3 for r in roles)


def test_managed_policies_zipf_aws_documents_and_versions(small: list[Path]) -> None:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    real = json.loads(aws_managed_policies_data)
    for folder in small:
        details = _json(folder / ef.IAM)
        roles = details["RoleDetailList"]
        used = Counter(a["PolicyArn"] for r in roles for a in r["AttachedManagedPolicies"])
        customer = sorted((c for arn, c in used.items() if ":aws:policy/" not in arn),
                          reverse=True)
        assert customer[0] >= 0.2 * len(roles), "the most shared policy is on many roles"
        median = customer[len(customer) // 2]
        assert median <= 5 and customer[0] >= 4 * median, "most are on a handful of roles"
        aws = {p["PolicyName"]: p for p in details["Policies"] if ":aws:policy/" in p["Arn"]}
        assert "AdministratorAccess" in aws
        for name, policy in aws.items():
            assert policy["PolicyVersionList"][0]["Document"] == real[name]["Document"]
            assert policy["AttachmentCount"] == used[policy["Arn"]]
    ec2_roles = [r for r in _roles(small) if "ec2" in json.dumps(r["AssumeRolePolicyDocument"])]
    ssm = sum(any(a["PolicyName"] == "AmazonSSMManagedInstanceCore"
                  for a in r["AttachedManagedPolicies"]) for r in ec2_roles)
    assert _near(ssm, len(ec2_roles), 0.45, 0.08)
    customer = [p for f in small for p in _json(f / ef.IAM)["Policies"]
                if ":aws:policy/" not in p["Arn"] and "-policy-" in p["Arn"]]
    versions = [p["PolicyVersionList"] for p in customer]
    assert _near(sum(len(v) > 1 for v in versions), len(versions), 0.35, 0.12)
    assert all(2 <= len(v) <= 5 for v in versions if len(v) > 1)
    assert any(not v[-1]["IsDefaultVersion"] for v in versions if len(v) > 1)
    assert all(sum(x["IsDefaultVersion"] for x in v) == 1 for v in versions)


def test_statements_carry_every_kind_of_trait(small: list[Path]) -> None:
    text = "\n".join((f / ef.IAM).read_text() for f in small)
    for trait in ('"NotAction"', '"NotResource"', '"Effect": "Deny"', "aws:SecureTransport",
                  "s3:prefix", "aws:SourceVpce", "s3:x-amz-server-side-encryption",
                  "aws:PrincipalTag/team", "${aws:PrincipalTag/team}", '"s3:Get*"',
                  '"s3:List*"', '"s3:*Object"', '"s3:*"', ":::acme-data-*", "sts:AssumeRole",
                  "logs:", "ssm:", "kms:", "secretsmanager:", "sqs:", "dynamodb:",
                  '"Statement": {', '"Action": "', '"Action": [', '"Resource": "',
                  '"Resource": ['):
        assert trait in text, trait
    details = [_json(f / ef.IAM) for f in small]
    assert all(d["UserDetailList"] and d["GroupDetailList"] for d in details)
    actions = [a for d in details for p in d["Policies"] for v in p["PolicyVersionList"]
               for s in _statements(v["Document"]) for a in
               ([s["Action"]] if isinstance(s.get("Action"), str) else s.get("Action", []))]
    odd = [a for a in actions if a.startswith("s3:") and a not in ("s3:*",)
           and a[3:4].islower() or a.isupper()]
    assert odd and len(odd) < 0.06 * len(actions)


def test_instances_regions_reservations_profiles_states(small: list[Path]) -> None:
    rows = [row for f in small for row in _instances(f)]
    n = len(rows)
    regions = Counter(region for region, _, _ in rows)
    assert len(regions) == 3 and _near(regions["us-east-1"], n, 0.5, 0.15)
    assert _near(sum("IamInstanceProfile" not in i for _, _, i in rows), n, 0.11, 0.07)
    states = Counter(i["State"]["Name"] for _, _, i in rows)
    assert _near(states["stopped"], n, 0.08, 0.04) and states["terminated"]
    for _, res, inst in rows:
        tags = {t["Key"] for t in inst["Tags"]}
        assert ("aws:autoscaling:groupName" in tags) == (len(res["Instances"]) > 1)
        assert 1 <= len(res["Instances"]) <= 10
    profiles = Counter(i["IamInstanceProfile"]["Arn"] for _, _, i in rows
                       if "IamInstanceProfile" in i)
    top = profiles.most_common(1)[0][1]
    assert top >= 8 * (sum(profiles.values()) / len(profiles)) / 2, "a few profiles dominate"
    size = sum(len(json.dumps(i)) for _, _, i in rows) / n
    assert 3000 <= size <= 5000, "the full describe-instances shape"


def test_buckets_policies_public_access_blocks_acls(small: list[Path]) -> None:
    names = [b["Name"] for f in small for b in _json(f / ef.BUCKETS)["Buckets"]]
    n = len(names)
    policies = [_json(p) for f in small for p in (f / "s3api-get-bucket-policy").glob("*.json")]
    pabs = [p for f in small for p in (f / "s3api-get-public-access-block").glob("*.json")]
    acls = [p for f in small for p in (f / "s3api-get-bucket-acl").glob("*.json")]
    assert _near(len(policies), n, 0.40, 0.10) and _near(len(pabs), n, 0.55, 0.10)
    assert len(acls) == n and any("." in name for name in names)
    documents = [json.loads(p["Policy"]) for p in policies]
    # Written for their bucket: each names its own bucket, and no two are alike.
    assert len({json.dumps(d, sort_keys=True) for d in documents}) == len(documents)
    text = "\n".join(json.dumps(d) for d in documents)
    for trait in ("aws:SecureTransport", '"Principal": "*"', "arn:aws:iam::111122223333:role/",
                  "logging.s3.amazonaws.com", "s3:x-amz-server-side-encryption"):
        assert trait in text, trait
    assert any(':root"' in text and not p.startswith("111122223333") for p in
               ("444455556666", "777788889999", "210987654321") if p in text)


def test_rare_traits_on_a_medium_account(tmp_path: Path) -> None:
    """Traits too rare for the small size (~1-2% each) show up at the medium one."""
    folder = write_synthetic(tmp_path / "m", roles=1000, instances=0, buckets=1000,
                             policies=300, seed=0)
    text = "\n".join(_json(p)["Policy"]
                     for p in (folder / "s3api-get-bucket-policy").glob("*.json"))
    for trait in ("cloudfront.amazonaws.com", '"NotPrincipal"', "aws:PrincipalOrgID",
                  "aws:SourceIp", '"AROA', "StringNotEquals"):
        assert trait in text, trait
    acls = "\n".join(p.read_text() for p in (folder / "s3api-get-bucket-acl").glob("*"))
    for grantee in ("global/AllUsers", "global/AuthenticatedUsers", "s3/LogDelivery"):
        assert grantee in acls
    details = _json(folder / ef.IAM)
    names = {a["PolicyName"] for r in details["RoleDetailList"]
             for a in r["AttachedManagedPolicies"]}
    assert {"PowerUserAccess", "AdministratorAccess", "AmazonEC2RoleforSSM",
            "AmazonS3FullAccess", "legacy-s3-all"} <= names
    assert any(len(r["InstanceProfileList"]) == 2 for r in details["RoleDetailList"])


def test_without_moto_synth_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from graph.sources.synth import aws_managed

    aws_managed._data.cache_clear()
    monkeypatch.setitem(sys.modules, "moto.iam.aws_managed_policies", None)
    assert main(["snapshot", "synth", str(tmp_path / "x"), "--size", "small"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'rolemap[demo]'" in err and "Traceback" not in err
