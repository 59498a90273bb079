"""Undoing the wizard's writes: in a rollback, and later from a journal (`rolemap role undo`).

A journal is a file on disk: whoever can write it could make rolemap call anything. So before
any call, a journal must name only the inverses of the wizard's own writes (delete the role,
profile, inline policy or boundary it created; detach the managed policies it attached; take
the role out of the profile; put back an instance's association), every one of them on the
role and profile the journal says were created, in the journal's account; and those
resources, read before acting, must still carry the creation tag with the journal's token.
Anything else is refused with one line naming the entry, and nothing is undone.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from graph.errors import RolemapError
from graph.wizard.calls import (
    ASSOCIATE,
    CREATION_TAG,
    GONE_CODES,
    REPLACE,
    RESTORE,
    UNDO_OF,
    ApiCall,
    api_call,
    error_code,
    failure_text,
    undo_for,
)
from graph.wizard.journal import UNDONE, Journal
from graph.wizard.readback import (
    ClientSource,
    carries_token,
    current_associations,
    get_instance_profile,
    get_role,
)

_ACCOUNT = re.compile(r"\d{12}")
_INSTANCE = re.compile(r"i-[0-9a-f]{8,17}")
_ROLE_SCOPED = frozenset({"put_role_policy", "attach_role_policy",
                          "put_role_permissions_boundary"})
_PROFILE_SCOPED = frozenset({"add_role_to_instance_profile", ASSOCIATE, REPLACE})


class NotOurs(RolemapError):
    """The resource is there but lacks this apply's creation tag: it is not touched."""


def _not_ours(kind: str, name: str) -> NotOurs:
    return NotOurs(f"the {kind} {name!r} does not carry rolemap's creation tag "
                   f"({CREATION_TAG}) of this create: not touched")


def _owned(connection: ClientSource, undo: ApiCall, token: str) -> bool:
    """False when the role or profile the undo acts on is gone; NotOurs when it is not ours."""
    profile_name = undo.params.get("InstanceProfileName") or undo.params.get("ProfileName")
    if profile_name:
        profile = get_instance_profile(connection, str(profile_name))
        if profile is None:
            return False
        if not carries_token(profile, token):
            raise _not_ours("instance profile", str(profile_name))
        if undo.operation != "remove_role_from_instance_profile":
            return True
    role_name = undo.params.get("RoleName")
    if role_name:
        role = get_role(connection, str(role_name))
        if role is None:
            return False
        if not carries_token(role, token):
            raise _not_ours("role", str(role_name))
    return True


def run_undo(connection: ClientSource, undo: ApiCall, token: str) -> bool:
    """Run one undo call, only on what this apply created; False when there was nothing left
    to undo ("not found"), NotOurs when the resource lacks the creation tag."""
    if undo.operation not in UNDO_OF.values():
        raise RolemapError(f"{undo.operation} is not an undo of the wizard's writes")
    if not _owned(connection, undo, token):
        return False
    if undo.operation == RESTORE:
        return _restore(connection, undo)
    client = connection.client(undo.service, undo.region)
    if undo.operation == "remove_role_from_instance_profile":
        # Asked first: moto fails with an internal error (not NoSuchEntity) when the role is
        # not in the profile, which a call interrupted in flight leaves possible.
        profile = get_instance_profile(connection, undo.params["InstanceProfileName"]) or {}
        if not any(r["RoleName"] == undo.params["RoleName"] for r in profile.get("Roles", [])):
            return False
    try:
        getattr(client, undo.operation)(**undo.params)
    except ClientError as exc:
        if error_code(exc) in GONE_CODES:
            return False
        raise
    return True


def _restore(connection: ClientSource, undo: ApiCall) -> bool:
    p = undo.params
    found = current_associations(connection, p["InstanceId"], undo.region)
    ours = [a for a in found
            if a["IamInstanceProfile"]["Arn"].rsplit("/", 1)[-1] == p["ProfileName"]]
    if not ours:
        return False  # the new profile never got there (or someone changed it since)
    ec2 = connection.client("ec2", undo.region)
    if p.get("PreviousArn"):
        ec2.replace_iam_instance_profile_association(
            AssociationId=ours[0]["AssociationId"], IamInstanceProfile={"Arn": p["PreviousArn"]})
    else:
        ec2.disassociate_iam_instance_profile(AssociationId=ours[0]["AssociationId"])
    return True


def check_journal(journal: Journal) -> None:
    """Refuse (RolemapError naming the entry) a journal that asks for anything but the
    inverse of the wizard's own writes on what it created. Makes no call."""
    where = str(journal.path)
    if not _ACCOUNT.fullmatch(journal.account):
        raise RolemapError(f"{where}: no 12-digit account recorded; nothing was undone")
    if not journal.token:
        raise RolemapError(f"{where}: no creation token recorded (not written by this "
                           "rolemap's role create); nothing was undone")
    created: set[str] = set()
    for number, entry in enumerate(journal.entries, start=1):
        call, undo = api_call(entry["call"]), api_call(entry["undo"])
        problem = _entry_problem(call, undo, journal, created)
        if problem:
            raise RolemapError(f"{where}: entry {number} ({call.service}:{call.operation}, "
                               f"undo {undo.service}:{undo.operation}): {problem}; "
                               "nothing was undone")


def _entry_problem(call: ApiCall, undo: ApiCall, journal: Journal,
                   created: set[str]) -> str | None:
    op = call.operation
    if op not in UNDO_OF:
        return "not one of the wizard's writes"
    if call.service != ("ec2" if op in (ASSOCIATE, REPLACE) else "iam"):
        return f"{op} is not an operation of {call.service}"
    if undo.operation != UNDO_OF[op] or undo.service != call.service:
        return f"the undo of {op} is {UNDO_OF[op]}"
    names = [call.params.get("RoleName"), call.params.get("InstanceProfileName"),
             (call.params.get("IamInstanceProfile") or {}).get("Name")]
    for name in names:
        if name is not None and name != journal.role_name:
            return f"names {name!r}, not the journal's role {journal.role_name!r}"
    if op == "create_role":
        created.add("role")
    elif op == "create_instance_profile":
        created.add("profile")
    needed = "role" if op in _ROLE_SCOPED else "profile" if op in _PROFILE_SCOPED else None
    if needed is not None and needed not in created:
        return f"acts on a {needed} the journal does not say it created"
    if op in (ASSOCIATE, REPLACE):
        return _restore_problem(call, undo, journal)
    expected = undo_for(call)
    if undo.params != expected.params or undo.region is not None:
        return f"its undo's parameters are not those of {expected.describe()}"
    return None


def _restore_problem(call: ApiCall, undo: ApiCall, journal: Journal) -> str | None:
    p: dict[str, Any] = dict(undo.params)
    if set(p) != {"InstanceId", "ProfileName", "PreviousArn"} or undo.region != call.region:
        return "its undo must name exactly InstanceId, ProfileName and PreviousArn"
    if p["ProfileName"] != journal.role_name:
        return f"names profile {p['ProfileName']!r}, not the journal's {journal.role_name!r}"
    if not isinstance(p["InstanceId"], str) or not _INSTANCE.fullmatch(p["InstanceId"]):
        return f"instance id {p['InstanceId']!r} is not one"
    if call.operation == ASSOCIATE and (p["PreviousArn"] is not None
                                        or call.params.get("InstanceId") != p["InstanceId"]):
        return "an association's undo puts back no profile, on the same instance"
    previous = p["PreviousArn"]
    if previous is not None and not (isinstance(previous, str) and re.fullmatch(
            rf"arn:aws[a-z-]*:iam::{journal.account}:instance-profile/[\w+=,.@/-]+", previous)):
        return f"previous profile {previous!r} is not an instance profile of the journal's account"
    return None


def undo_journal(journal: Journal, connection: ClientSource
                 ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Undo what a journal says was done (or was being done), last first.

    Checks first, refusing with a RolemapError before any write: the journal's form
    (check_journal), the account, and the creation tag on the role and profile it names.
    Returns (lines of what was undone or already gone, errors). Safe to run twice.
    """
    check_journal(journal)
    account = getattr(connection, "account_id", journal.account)
    if account != journal.account:
        raise RolemapError(f"{journal.path}: recorded in account {journal.account}, but these "
                           f"credentials are for account {account}; nothing was undone")
    pending = journal.pending()
    _check_tags(journal, connection, [api_call(data) for _, data, _ in pending])
    done: list[str] = []
    errors: list[str] = []
    for index, data, certain in pending:
        undo = api_call(data)
        try:
            changed = run_undo(connection, undo, journal.token)
        except Exception as exc:  # noqa: BLE001 - reported; the next undo still runs
            errors.append(f"{undo.describe()}: {failure_text(exc)}")
            continue
        if changed:
            done.append(f"undone: {undo.describe()}")
        else:
            what = "never happened" if not certain else "already gone"
            done.append(f"nothing to undo ({what}): {undo.describe()}")
        journal.mark(index, UNDONE)
    journal.finish("undone" if not errors else "undo incomplete")
    return tuple(done), tuple(errors)


def _check_tags(journal: Journal, connection: ClientSource, undos: list[ApiCall]) -> None:
    """Read the role and profile the undos act on: present without the journal's token means
    not ours."""
    name = journal.role_name
    on_role = any("RoleName" in u.params for u in undos)
    on_profile = any({"InstanceProfileName", "ProfileName"} & set(u.params) for u in undos)
    try:
        role = get_role(connection, name) if on_role else None
        profile = get_instance_profile(connection, name) if on_profile else None
    except Exception as exc:  # noqa: BLE001 - cannot tell whose they are: refuse
        raise RolemapError(f"{journal.path}: cannot read role {name!r} to check rolemap's "
                           f"creation tag: {failure_text(exc)}; nothing was undone") from None
    for kind, found in (("role", role), ("instance profile", profile)):
        if found is not None and not carries_token(found, journal.token):
            raise RolemapError(f"{journal.path}: the {kind} {name!r} does not carry rolemap's "
                               f"creation tag ({CREATION_TAG}={journal.token}): it was not "
                               "made by this create; nothing was undone")
