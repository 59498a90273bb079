"""The bash script of AWS CLI commands that writes an export folder (see export_folder.py).

A reviewer without credentials hands it to the account owner; it only calls get/list/describe
operations. Each command's JSON goes to its file; a failed command leaves `<file>.error` with
the CLI's message. An error meaning "not configured" (NoSuchBucketPolicy,
NoSuchPublicAccessBlockConfiguration) is kept the same way, silently: it is the evidence that
there is none, since a missing file reads as unknown (export_folder.py); any other error is
also printed as a warning, and rolemap treats it as unknown.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from graph.model_compute import (
    CLOUDFORMATION_STACK,
    CODEBUILD_PROJECT,
    GLUE_DEV_ENDPOINT,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
)
from graph.sources import export_folder as ef
from graph.sources import export_folder_compute as efc
from graph.sources import export_folder_gates as efg

_TEMPLATE = r"""#!/usr/bin/env bash
# Written by `rolemap collect-script`: collects what rolemap needs with read-only AWS CLI calls.
#   bash collect.sh [OUT_DIR]       (uses your usual AWS_PROFILE / credentials)
# Then: rolemap --snapshot OUT_DIR
set -uo pipefail
export AWS_PAGER=""
OUT="${1:-rolemap-export}"
mkdir -p "$OUT/__INSTANCES__" __BUCKET_DIRS__

# capture FILE CMD...: JSON to FILE; errors -> FILE.error ("not configured" ones silently)
capture() {
  local file="$1"; shift
  local err
  if err=$("$@" --output json 2>&1 >"$file.tmp"); then
    mv "$file.tmp" "$file"
  else
    rm -f "$file.tmp"
    case "$err" in
      *NoSuchBucketPolicy*|*NoSuchPublicAccessBlockConfiguration*|*ServerSideEncryptionConfigurationNotFoundError*|*OwnershipControlsNotFoundError*|*NoSuchAccessPointPolicy*|*AWSOrganizationsNotInUseException*|*PolicyTypeNotEnabledException*)
        printf '%s\n' "$err" >"${file%.json}.error" ;;
      *) printf '%s\n' "$err" >"${file%.json}.error"; echo "warning: $file: $err" >&2 ;;
    esac
  fi
}

capture "$OUT/__IDENTITY__" aws sts get-caller-identity
[ -f "$OUT/__IDENTITY__" ] || { echo "error: no AWS identity (credentials?)" >&2; exit 1; }
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)

echo "IAM roles and policies..." >&2
capture "$OUT/__IAM__" aws iam get-account-authorization-details \
  --filter Role LocalManagedPolicy AWSManagedPolicy
echo "IAM users and groups..." >&2
capture "$OUT/__IAM_USERS__" aws iam get-account-authorization-details --filter User Group

__REGIONS__
for region in $REGIONS; do
  echo "EC2 instances in $region..." >&2
  capture "$OUT/__INSTANCES__/$region.json" aws ec2 describe-instances --region "$region"
done

echo "S3 buckets..." >&2
capture "$OUT/__BUCKETS__" aws s3api list-buckets
capture "$OUT/__ACCOUNT_PAB__" aws s3control get-public-access-block --account-id "$ACCOUNT"
for bucket in $(aws s3api list-buckets --query 'Buckets[].Name' --output text); do
__PER_BUCKET__
done
__GATES__
__COMPUTE__
echo "done: rolemap --snapshot $OUT" >&2
"""

#: The gates' facts (export_folder_gates.py reads them); ORG_ACCOUNT=<id> collects another
#: account's organisation policies (run with the management account's credentials).
_GATES = r"""
# ids FILE KEY: the values of "KEY": "..." in a JSON file the CLI wrote
ids() { grep -o "\"$2\": *\"[^\"]*\"" "$1" 2>/dev/null | cut -d'"' -f4; }

for region in $REGIONS; do
  grep -q '"InstanceId"' "$OUT/__INSTANCES__/$region.json" 2>/dev/null || continue
  echo "Network in $region..." >&2
__NETWORK__
done

GATE_REGIONS="$REGIONS"
for f in "$OUT"/s3api-get-bucket-location/*.json; do
  [ -f "$f" ] || continue
  r=$(ids "$f" LocationConstraint); r=${r:-us-east-1}; [ "$r" = EU ] && r=eu-west-1
  case " $GATE_REGIONS " in *" $r "*) ;; *) GATE_REGIONS="$GATE_REGIONS $r" ;; esac
done
mkdir -p "$OUT/__AP_LIST__" "$OUT/__AP_GET__" "$OUT/__AP_POLICY__"
for region in $GATE_REGIONS; do
  echo "KMS keys and access points in $region..." >&2
  d="$OUT/__KMS__/$region"
  mkdir -p "$d/describe-key" "$d/get-key-policy" "$d/list-grants"
  capture "$d/list-keys.json" aws kms list-keys --region "$region"
  capture "$d/list-aliases.json" aws kms list-aliases --region "$region"
  for key in $(ids "$d/list-keys.json" KeyId); do
    capture "$d/describe-key/$key.json" aws kms describe-key --region "$region" --key-id "$key"
    capture "$d/get-key-policy/$key.json" aws kms get-key-policy --region "$region" \
      --key-id "$key" --policy-name default
    capture "$d/list-grants/$key.json" aws kms list-grants --region "$region" --key-id "$key"
  done
  f="$OUT/__AP_LIST__/$region.json"
  capture "$f" aws s3control list-access-points --account-id "$ACCOUNT" --region "$region"
  for name in $(ids "$f" Name); do
    capture "$OUT/__AP_GET__/$name.json" aws s3control get-access-point \
      --account-id "$ACCOUNT" --region "$region" --name "$name"
    capture "$OUT/__AP_POLICY__/$name.json" aws s3control get-access-point-policy \
      --account-id "$ACCOUNT" --region "$region" --name "$name"
  done
done

# ROLEMAP_NO_ORG=1 (collect-script --org, in member accounts): the organisation is read once,
# with the management account's credentials, not again (refused) in each account.
if [ -z "${ROLEMAP_NO_ORG:-}" ]; then
echo "Organisation policies..." >&2
ORG="$OUT/__ORG__"
ORG_ACCOUNT="${ORG_ACCOUNT:-$ACCOUNT}"
mkdir -p "$ORG/list-parents" "$ORG/list-policies-for-target" "$ORG/describe-policy"
capture "$ORG/describe-organization.json" aws organizations describe-organization
if [ -f "$ORG/describe-organization.json" ]; then
  child="$ORG_ACCOUNT"; targets="$ORG_ACCOUNT"
  for _ in 1 2 3 4 5 6 7 8; do
    f="$ORG/list-parents/$child.json"
    capture "$f" aws organizations list-parents --child-id "$child"
    parent=$(ids "$f" Id | head -n 1)
    [ -n "$parent" ] || break
    targets="$targets $parent"
    grep -q '"ROOT"' "$f" && break
    child="$parent"
  done
  for target in $targets; do
    for type in SERVICE_CONTROL_POLICY RESOURCE_CONTROL_POLICY; do
      f="$ORG/list-policies-for-target/$target-$type.json"
      capture "$f" aws organizations list-policies-for-target --target-id "$target" \
        --filter "$type"
      for id in $(ids "$f" Id); do
        [ -f "$ORG/describe-policy/$id.json" ] || capture "$ORG/describe-policy/$id.json" \\
          aws organizations describe-policy --policy-id "$id"
      done
    done
  done
fi
fi
"""

#: Existing compute and the roles it runs as (export_folder_compute.py reads it).
_COMPUTE = r"""
for region in $REGIONS; do
  echo "Lambda functions, stacks, CodeBuild projects, dev endpoints, notebooks: $region" >&2
  d="$OUT/__COMPUTE__/$region"
  mkdir -p "$d/__PROJECTS__" "$d/__NOTEBOOKS__"
  capture "$d/__FUNCTIONS_FILE__" aws lambda list-functions --region "$region"
  capture "$d/__STACKS_FILE__" aws cloudformation describe-stacks --region "$region"
  capture "$d/__ENDPOINTS_FILE__" aws glue get-dev-endpoints --region "$region"
  capture "$d/__PROJECTS_FILE__" aws codebuild list-projects --region "$region"
  if [ -f "$d/__PROJECTS_FILE__" ]; then
    for name in $(aws codebuild list-projects --region "$region" --query 'projects[]' \
        --output text 2>/dev/null); do
      capture "$d/__PROJECTS__/$name.json" aws codebuild batch-get-projects \
        --region "$region" --names "$name"
    done
  fi
  capture "$d/__NOTEBOOKS_FILE__" aws sagemaker list-notebook-instances --region "$region"
  for name in $(ids "$d/__NOTEBOOKS_FILE__" NotebookInstanceName); do
    capture "$d/__NOTEBOOKS__/$name.json" aws sagemaker describe-notebook-instance \
      --region "$region" --notebook-instance-name "$name"
  done
done
"""

_COMMANDS = {
    "s3api-get-bucket-location": "get-bucket-location",
    "s3api-get-bucket-policy": "get-bucket-policy",
    "s3api-get-public-access-block": "get-public-access-block",
    "s3api-get-bucket-acl": "get-bucket-acl",
    efg.ENCRYPTION_DIR: "get-bucket-encryption",
    efg.OWNERSHIP_DIR: "get-bucket-ownership-controls",
}
_NETWORK_COMMANDS = {d: d[len("ec2-"):] for d in efg.NETWORK_DIRS.values()}


def collect_script(regions: Sequence[str] = ()) -> str:
    """The script; `regions` fixes the EC2 regions, otherwise it asks describe-regions."""
    if regions:
        region_line = "REGIONS=" + shlex.quote(" ".join(regions))
    else:
        region_line = ("REGIONS=$(aws ec2 describe-regions --query 'Regions[].RegionName' "
                       "--output text)")
    dirs = [dirname for _, dirname, _ in ef.BUCKET_DIRS] + [efg.ENCRYPTION_DIR,
                                                           efg.OWNERSHIP_DIR]
    per_bucket = "\n".join(
        f'  capture "$OUT/{d}/$bucket.json" aws s3api {_COMMANDS[d]} --bucket "$bucket"'
        for d in dirs
    )
    replacements = {
        "__INSTANCES__": ef.INSTANCES_DIR,
        "__BUCKET_DIRS__": " ".join(f'"$OUT/{d}"' for d in dirs),
        "__IDENTITY__": ef.IDENTITY,
        "__IAM__": ef.IAM,
        "__IAM_USERS__": ef.IAM_USERS,
        "__BUCKETS__": ef.BUCKETS,
        "__ACCOUNT_PAB__": ef.ACCOUNT_PAB,
        "__REGIONS__": region_line,
        "__PER_BUCKET__": per_bucket,
    }
    network = "\n".join(
        f'  mkdir -p "$OUT/{d}"; capture "$OUT/{d}/$region.json" aws ec2 {command} '
        '--region "$region"' for d, command in _NETWORK_COMMANDS.items())
    gates = {"__NETWORK__": network, "__KMS__": efg.KMS_DIR, "__ORG__": efg.ORG_DIR,
             "__AP_LIST__": efg.ACCESS_POINTS_DIR, "__AP_GET__": efg.ACCESS_POINT_DIR,
             "__AP_POLICY__": efg.ACCESS_POINT_POLICY_DIR,
             "__INSTANCES__": ef.INSTANCES_DIR}
    gate_script = _GATES
    for key, value in gates.items():
        gate_script = gate_script.replace(key, value)
    compute = _COMPUTE
    files = efc.FILES
    for key, value in {
            "__COMPUTE__": efc.COMPUTE_DIR,
            "__FUNCTIONS_FILE__": files[LAMBDA_FUNCTION][0],
            "__STACKS_FILE__": files[CLOUDFORMATION_STACK][0],
            "__ENDPOINTS_FILE__": files[GLUE_DEV_ENDPOINT][0],
            "__PROJECTS_FILE__": files[CODEBUILD_PROJECT][0],
            "__PROJECTS__": files[CODEBUILD_PROJECT][2],
            "__NOTEBOOKS_FILE__": files[SAGEMAKER_NOTEBOOK][0],
            "__NOTEBOOKS__": files[SAGEMAKER_NOTEBOOK][2]}.items():
        compute = compute.replace(key, value)
    replacements = {"__GATES__": gate_script, "__COMPUTE__": compute, **replacements}
    script = _TEMPLATE
    for key, value in replacements.items():
        script = script.replace(key, value)
    return script
