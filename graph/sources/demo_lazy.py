"""The connection of a demo opened from the cache: the emulator starts when first used.

Reading the cached demo needs no emulator; the wizard's create (and `role create --demo`)
does, since it really writes. The first client asked for starts moto's server and seeds the
cast with the same seed as the cached build, then checks that the emulator's ids are the ones
the cached account shows: the wizard attaches roles to instances by id.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.model import AccountSnapshot
from graph.sources.connection import AwsConnection


class LazyDemoConnection(AwsConnection):
    """An AwsConnection to the demo whose emulator is started and seeded on first use."""

    def __init__(self, expected: AccountSnapshot, cache_file: Path) -> None:
        from graph.sources.demo import demo_session
        from graph.sources.demo_cast import REGIONS

        super().__init__(demo_session(), endpoint_url=None, regions=REGIONS,
                         retry_mode="standard", max_attempts=2)
        self._expected = expected
        self._cache_file = cache_file
        self._start_lock = threading.Lock()
        self._live = False
        self._failure: SourceError | None = None
        self._account_id = expected.account_id  # known without asking the emulator

    @property
    def live(self) -> bool:
        """Whether this connection talks to the emulator yet."""
        return self._live

    def client(self, service: str, region: str | None = None) -> Any:
        self.ensure_live()
        return super().client(service, region)

    def ensure_live(self) -> None:
        """Start and seed the emulator (once), and check its ids against the cached account;
        a mismatch is a SourceError now and at every later use (nothing is written)."""
        if self._live and self._failure is None:
            return
        with self._start_lock:
            if not self._live:
                from graph.sources.demo import demo_endpoint, ensure_seeded

                ensure_seeded()
                # Never without an endpoint: botocore would send the fake keys to AWS itself.
                self.endpoint_url = demo_endpoint()
                mismatch = differing_ids(super().client, self._expected)
                if mismatch:
                    from graph.sources.demo_cache import discard

                    discard(self._cache_file)
                    self._failure = SourceError(
                        f"the demo emulator's ids differ from the cached demo account "
                        f"({mismatch}); the cache {self._cache_file} was removed: open the "
                        "demo again")
                self._live = True
        if self._failure is not None:
            raise self._failure


def differing_ids(client: Callable[..., Any], expected: AccountSnapshot) -> str:
    """"" when every role and instance of `expected` has the same id in the emulator (those
    made since are ignored), else the first difference, in words. `client(service, region)`."""
    roles: dict[str, str] = {}
    for page in client("iam").get_paginator("list_roles").paginate():
        roles.update((r["RoleName"], r["RoleId"]) for r in page["Roles"])
    for role in expected.roles:
        if roles.get(role.name) != role.role_id:
            return f"role {role.name}: {roles.get(role.name)} instead of {role.role_id}"
    names: dict[str, str] = {}
    for region in sorted({i.region for i in expected.instances}):
        pages = client("ec2", region).get_paginator("describe_instances").paginate()
        for page in pages:
            for reservation in page["Reservations"]:
                for instance in reservation["Instances"]:
                    tags = {t["Key"]: t["Value"] for t in instance.get("Tags", ())}
                    names[instance["InstanceId"]] = tags.get("Name", "")
    for instance in expected.instances:
        if names.get(instance.instance_id) != instance.name:
            return f"instance {instance.name}: {instance.instance_id} is not in the emulator"
    return ""
