"""The demo account: moto's server in this process, seeded with the cast of `demo_cast.py`.

The demo is read by the same boto3 loader as a real account, over an endpoint on 127.0.0.1
(port chosen by the OS), so the wizard can create roles in it like in a real account. moto keeps
one global state per process: there is one demo server, and opening the demo again resets it.
An open served from the cache (`demo_cache`) resets it lazily: the emulator is seeded again
only when something first needs it (`ensure_seeded`).
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from typing import Any

import boto3

from graph.errors import SourceError
from graph.sources import demo_cast as cast
from graph.sources.connection import AwsConnection
from graph.sources.demo_gates import seed_gates

SEED = 20240611
#: Fixed fake credentials: moto accepts any, and real credentials must never reach the demo.
_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

_lock = threading.Lock()
_server: Any = None
_endpoint: str | None = None
#: Held while the cast is seeded; `_seeded`: the running emulator holds the current demo.
_seed_lock = threading.RLock()
_seeded = False


#: How to get the emulator when it is missing (the plain install leaves it out).
INSTALL_HINT = "pip install 'rolemap[demo]' (or, in a clone, pip install -e '.[demo]')"
NOT_INSTALLED = ("--demo needs the local AWS emulator (moto), which is not installed: "
                 f"{INSTALL_HINT}")


def require_emulator() -> None:
    """SourceError naming the install command when moto's server is not installed.

    The emulator is an extra: a plain install reads real accounts and snapshots only.
    """
    try:
        import moto.server  # noqa: F401
    except ImportError:
        raise SourceError(NOT_INSTALLED) from None


def emulator_installed() -> bool:
    """Whether moto and its server stack are installed, found without importing them (the
    import takes about 2 s, which a demo opened from the cache does not otherwise pay)."""
    from importlib.util import find_spec

    for name in ("moto", "werkzeug", "flask", "flask_cors"):
        try:
            if find_spec(name) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


def demo_endpoint() -> str:
    """Start moto's server once per process (quietly) and return its URL."""
    global _server, _endpoint
    with _lock:
        if _endpoint is None:
            # werkzeug logs every request to stderr even with verbose=False; the TUI owns stderr.
            logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
            require_emulator()
            from moto.server import ThreadedMotoServer

            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            try:
                server.start()
            except OSError as exc:
                raise SourceError(f"demo: cannot start the local AWS emulator ({exc})") from None
            host, port = server.get_host_and_port()
            _server, _endpoint = server, f"http://{host}:{port}"
        return _endpoint


def demo_session() -> boto3.Session:
    return boto3.Session(region_name=cast.REGIONS[0], **_CREDENTIALS)


def demo_connection() -> AwsConnection:
    """A connection to the running demo (retries kept short: the emulator does not throttle)."""
    return AwsConnection(demo_session(), endpoint_url=demo_endpoint(), regions=cast.REGIONS,
                         retry_mode="standard", max_attempts=2)


def reset_demo() -> AwsConnection:
    """Wipe the emulator and seed the cast again, with deterministic ids; returns a connection."""
    global _seeded
    with _seed_lock:
        _seeded = False
        endpoint = demo_endpoint()  # says how to install the emulator when it is missing
        from moto.moto_api._internal import mock_random

        request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass
        mock_random.seed(SEED)
        conn = demo_connection()
        seed_cast(conn)
        seed_gates(conn)
        seed_functions(conn)  # last: the ids drawn before it stay as they were
        _seeded = True
        return conn


def is_seeded() -> bool:
    """Whether the running emulator holds this process's demo (the cast, and what was made
    in it since)."""
    return _seeded


def forget_seeding() -> None:
    """A new open of the demo from the cache: what the emulator holds is a past demo's."""
    global _seeded
    with _seed_lock:
        _seeded = False


def ensure_seeded() -> bool:
    """Seed the emulator unless it holds the current demo; True when this call seeded it."""
    with _seed_lock:
        if _seeded:
            return False
        reset_demo()
        return True


def seed_cast(conn: AwsConnection) -> None:
    """Create the cast through ordinary boto3 calls (so moto stores what AWS would)."""
    account = conn.account_id

    def js(doc: dict[str, Any]) -> str:
        return json.dumps(doc).replace("{account}", account)

    iam = conn.client("iam")
    policy_arns: dict[str, str] = {}
    for name, (description, doc) in cast.MANAGED_POLICIES.items():
        arn = iam.create_policy(PolicyName=name, PolicyDocument=js(doc),
                                Description=description)["Policy"]["Arn"]
        policy_arns[name] = arn
    for name, spec in cast.ROLES.items():
        kwargs: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": js(spec["trust"]),
            "Tags": [{"Key": k, "Value": v} for k, v in spec.get("tags", {}).items()],
        }
        if "boundary" in spec:
            kwargs["PermissionsBoundary"] = policy_arns[spec["boundary"]]
        iam.create_role(**kwargs)
        for policy_name, doc in spec.get("inline", {}).items():
            iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=js(doc))
        for managed in spec.get("managed", ()):
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arns[managed])
        if spec.get("profile"):
            iam.create_instance_profile(InstanceProfileName=name)
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)

    for group, inline in cast.GROUPS.items():
        iam.create_group(GroupName=group)
        for policy_name, doc in inline.items():
            iam.put_group_policy(GroupName=group, PolicyName=policy_name,
                                 PolicyDocument=js(doc))
    for user, (groups, inline) in cast.USERS.items():
        iam.create_user(UserName=user)
        for group in groups:
            iam.add_user_to_group(GroupName=group, UserName=user)
        for policy_name, doc in inline.items():
            iam.put_user_policy(UserName=user, PolicyName=policy_name, PolicyDocument=js(doc))

    for bucket, (region, policy, pab) in cast.BUCKETS.items():
        s3 = conn.client("s3", region)
        kwargs = {"Bucket": bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        if policy is not None:
            s3.put_bucket_policy(Bucket=bucket, Policy=js(policy))
        if pab is not None:
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab)

    for name, region, profile, running in cast.INSTANCES:
        ec2 = conn.client("ec2", region)
        # One at a time: moto attaches a profile to the first instance of a batch only.
        kwargs = {
            "ImageId": "ami-12c6146b", "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro",
            "TagSpecifications": [{"ResourceType": "instance",
                                   "Tags": [{"Key": "Name", "Value": name}]}],
            "MetadataOptions": {"HttpTokens": "optional" if name in cast.IMDSV1_INSTANCES
                                else "required", "HttpEndpoint": "enabled"},
        }
        if profile is not None:
            kwargs["IamInstanceProfile"] = {"Name": profile}
        instance_id = ec2.run_instances(**kwargs)["Instances"][0]["InstanceId"]
        if not running:
            ec2.stop_instances(InstanceIds=[instance_id])


def seed_functions(conn: AwsConnection) -> None:
    """The cast's Lambda functions, each running as its role (code that returns at once)."""
    import io
    import zipfile

    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    for name, (region, role) in cast.FUNCTIONS.items():
        conn.client("lambda", region).create_function(
            FunctionName=name, Runtime="python3.12", Handler="index.handler",
            Role=f"arn:aws:iam::{conn.account_id}:role/{role}", Code={"ZipFile": code.getvalue()})
