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

from graph.sources import export_folder as ef

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
      *NoSuchBucketPolicy*|*NoSuchPublicAccessBlockConfiguration*)
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
echo "done: rolemap --snapshot $OUT" >&2
"""

_COMMANDS = {
    "s3api-get-bucket-location": "get-bucket-location",
    "s3api-get-bucket-policy": "get-bucket-policy",
    "s3api-get-public-access-block": "get-public-access-block",
    "s3api-get-bucket-acl": "get-bucket-acl",
}


def collect_script(regions: Sequence[str] = ()) -> str:
    """The script; `regions` fixes the EC2 regions, otherwise it asks describe-regions."""
    if regions:
        region_line = "REGIONS=" + shlex.quote(" ".join(regions))
    else:
        region_line = ("REGIONS=$(aws ec2 describe-regions --query 'Regions[].RegionName' "
                       "--output text)")
    dirs = [dirname for _, dirname, _ in ef.BUCKET_DIRS]
    per_bucket = "\n".join(
        f'  capture "$OUT/{d}/$bucket.json" aws s3api {_COMMANDS[d]} --bucket "$bucket"'
        for d in dirs
    )
    replacements = {
        "__INSTANCES__": ef.INSTANCES_DIR,
        "__BUCKET_DIRS__": " ".join(f'"$OUT/{d}"' for d in dirs),
        "__IDENTITY__": ef.IDENTITY,
        "__IAM__": ef.IAM,
        "__BUCKETS__": ef.BUCKETS,
        "__ACCOUNT_PAB__": ef.ACCOUNT_PAB,
        "__REGIONS__": region_line,
        "__PER_BUCKET__": per_bucket,
    }
    script = _TEMPLATE
    for key, value in replacements.items():
        script = script.replace(key, value)
    return script
