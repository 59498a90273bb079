"""`rolemap collect-script --org`: the bash script that collects a whole organisation.

Run with the management account's (or a delegated administrator's) credentials, it writes

    OUT/organization/<command>[/<argument>].json   the organizations answers (graph.sources.org
                                                   .export reads them back)
    OUT/<account id>/                              one export folder per ACTIVE account, written
                                                   by the single-account script
    OUT/<account id>.error                         why an account's member role could not be
                                                   assumed

Each member account is read by the single-account script run with the member role's
credentials (sts assume-role); the caller's own account with the caller's. Only get/list/
describe calls and sts assume-role: the script changes nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from graph.errors import SourceError
from graph.sources.collect_script import collect_script
from graph.sources.org.export import ORG_EXPORT_DIR

DEFAULT_MEMBER_ROLE = "OrganizationAccountAccessRole"
_ROLE_NAME = re.compile(r"[\w+=,.@/-]{1,512}", re.ASCII)

_TEMPLATE = r"""#!/usr/bin/env bash
# Written by `rolemap collect-script --org`: collects an AWS Organization with read-only calls.
#   bash collect-org.sh [OUT_DIR]   (with the management account's or a delegated
#                                   administrator's credentials; MEMBER_ROLE=NAME to override)
# Then: rolemap snapshot save ORG_DIR --org --snapshot OUT_DIR
set -uo pipefail
export AWS_PAGER=""
OUT="${1:-rolemap-org-export}"
MEMBER_ROLE="${MEMBER_ROLE:-__MEMBER_ROLE__}"
WANTED=__ACCOUNTS__
ORG="$OUT/__ORG_DIR__"
mkdir -p "$ORG/list-organizational-units-for-parent" "$ORG/list-accounts-for-parent" \
  "$ORG/list-policies" "$ORG/describe-policy" "$ORG/list-targets-for-policy"

# capture FILE CMD...: JSON to FILE; an error -> FILE.error (and a warning)
capture() {
  local file="$1"; shift
  local err
  if err=$("$@" --output json 2>&1 >"$file.tmp"); then
    mv "$file.tmp" "$file"
  else
    rm -f "$file.tmp"
    printf '%s\n' "$err" >"${file%.json}.error"; echo "warning: $file: $err" >&2
  fi
}
# ids FILE KEY: the values of "KEY": "..." in a JSON file the CLI wrote
ids() { grep -o "\"$2\": *\"[^\"]*\"" "$1" 2>/dev/null | cut -d'"' -f4; }

echo "The organisation..." >&2
capture "$ORG/describe-organization.json" aws organizations describe-organization
[ -f "$ORG/describe-organization.json" ] || {
  echo "error: cannot read the organisation (the management account's credentials?)" >&2
  exit 1; }
capture "$ORG/list-accounts.json" aws organizations list-accounts
capture "$ORG/list-roots.json" aws organizations list-roots
parents=$(ids "$ORG/list-roots.json" Id)
for _ in 1 2 3 4 5 6 7 8; do
  [ -n "$parents" ] || break
  next=""
  for parent in $parents; do
    capture "$ORG/list-accounts-for-parent/$parent.json" \
      aws organizations list-accounts-for-parent --parent-id "$parent"
    f="$ORG/list-organizational-units-for-parent/$parent.json"
    capture "$f" aws organizations list-organizational-units-for-parent --parent-id "$parent"
    next="$next $(ids "$f" Id)"
  done
  parents=$(echo $next)
done
for type in SERVICE_CONTROL_POLICY RESOURCE_CONTROL_POLICY; do
  f="$ORG/list-policies/$type.json"
  capture "$f" aws organizations list-policies --filter "$type"
  for id in $(ids "$f" Id); do
    capture "$ORG/describe-policy/$id.json" aws organizations describe-policy --policy-id "$id"
    capture "$ORG/list-targets-for-policy/$id.json" \
      aws organizations list-targets-for-policy --policy-id "$id"
  done
done

CALLER=$(aws sts get-caller-identity --query Account --output text)
PARTITION=$(aws sts get-caller-identity --query Arn --output text | cut -d: -f2)
# The member accounts' reads need a region even when it came from the caller's profile.
REGION=$(aws configure get region 2>/dev/null)
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-${REGION:-us-east-1}}}"
ACTIVE=$(aws organizations list-accounts --output text \
  --query "Accounts[?Status=='ACTIVE' || State=='ACTIVE'].Id")

ACCOUNT_SCRIPT=$(mktemp)
trap 'rm -f "$ACCOUNT_SCRIPT"' EXIT
cat >"$ACCOUNT_SCRIPT" <<'ROLEMAP_ACCOUNT_SCRIPT'
__ACCOUNT_SCRIPT__
ROLEMAP_ACCOUNT_SCRIPT

for id in $ACTIVE; do
  if [ -n "$WANTED" ]; then
    case " $WANTED " in *" $id "*) ;; *) continue ;; esac
  fi
  echo "== account $id ==" >&2
  rm -f "$OUT/$id.error"
  if [ "$id" = "$CALLER" ]; then
    bash "$ACCOUNT_SCRIPT" "$OUT/$id"
    continue
  fi
  role="arn:$PARTITION:iam::$id:role/$MEMBER_ROLE"
  if creds=$(aws sts assume-role --role-arn "$role" --role-session-name rolemap-collect \
      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text \
      2>"$OUT/$id.error"); then
    rm -f "$OUT/$id.error"
    read -r key secret token <<<"$creds"
    # A profile would win over these credentials: the member's reads use only them.
    ( unset AWS_PROFILE AWS_DEFAULT_PROFILE
      export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" \
        AWS_SESSION_TOKEN="$token" ROLEMAP_NO_ORG=1
      bash "$ACCOUNT_SCRIPT" "$OUT/$id" )
  else
    echo "warning: account $id: cannot assume $role: $(cat "$OUT/$id.error")" >&2
  fi
done
echo "done: rolemap snapshot save ORG_DIR --org --snapshot $OUT" >&2
"""


def org_collect_script(regions: Sequence[str] = (), member_role: str = DEFAULT_MEMBER_ROLE,
                       accounts: Sequence[str] = ()) -> str:
    """The script; `accounts` narrows it to those accounts (default: every ACTIVE one)."""
    if not _ROLE_NAME.fullmatch(member_role):
        raise SourceError(f"--member-role {member_role!r}: not an IAM role name (letters, "
                          "digits, +=,.@_- and / for a path)")
    bad = [a for a in accounts if len(a) != 12 or not a.isdigit()]
    if bad:
        raise SourceError(f"--accounts: {', '.join(bad)}: not a 12-digit account id")
    account_script = collect_script(regions)
    if "\nROLEMAP_ACCOUNT_SCRIPT\n" in account_script:  # would end the here-document early
        raise ValueError("the account script holds the here-document's end marker")
    replacements = {
        "__MEMBER_ROLE__": member_role,
        "__ACCOUNTS__": shlex.quote(" ".join(accounts)),
        "__ORG_DIR__": ORG_EXPORT_DIR,
        "__ACCOUNT_SCRIPT__": account_script.rstrip("\n"),
    }
    script = _TEMPLATE
    for key, value in replacements.items():
        script = script.replace(key, value)
    return script
