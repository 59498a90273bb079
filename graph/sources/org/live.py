"""Loading a live organisation: the tree with the caller's credentials, then every chosen
ACTIVE account through its member role, a few accounts at a time.

IAM and the other read APIs throttle per account, so accounts load in parallel (a bounded
pool, `jobs`) while each account's own reads keep their own pool (`workers`). At most `jobs`
snapshots exist at once: each is handed on (written) as soon as it is loaded. An account whose
role cannot be assumed, or whose load fails as a whole, is a warning and an entry in
`failed`: whatever depends on it is unknown, never "no access".
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import RolemapError
from graph.model import AccountSnapshot, LoadWarning, SourceInfo
from graph.model_org import OrgAccount, OrgTree
from graph.sources.connection import DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, AwsConnection
from graph.sources.live import load_live
from graph.sources.org.attach import with_tree_organization
from graph.sources.org.events import (
    ASSUME_OPERATION,
    FAILED,
    LOAD_OPERATION,
    LOADED,
    STARTED,
    AccountEvent,
    OrgProgress,
    counts,
    quiet,
)
from graph.sources.org.folder import OrgFolder, save_org_folder
from graph.sources.org.members import AssumeRefused, member_connection, member_role_arn
from graph.sources.org.read_tree import read_org_tree
from graph.sources.org.select import select_accounts

DEFAULT_JOBS = 4
@dataclass(frozen=True)
class OrgLoadOptions:
    """What to load and how hard to push: the member role, the narrowing, the pools."""

    member_role: str
    accounts: tuple[str, ...] = ()
    ous: tuple[str, ...] = ()
    jobs: int = DEFAULT_JOBS
    regions: tuple[str, ...] = ()
    #: Parallel reads inside one account (regions, buckets), as for one account.
    workers: int = 8
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_ATTEMPTS
    #: Where the caller's credentials came from, for each snapshot's source label.
    label: str = "default credentials"


@dataclass
class OrgLoad:
    """The organisation read and the accounts chosen; `snapshots()` loads them. `warnings`
    and `failed` grow while it runs."""

    conn: AwsConnection
    options: OrgLoadOptions
    tree: OrgTree
    accounts: tuple[OrgAccount, ...]
    #: The caller's partition ("aws", "aws-cn", "aws-us-gov"): the member roles' ARNs.
    partition: str = "aws"
    warnings: list[LoadWarning] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def snapshots(self, progress: OrgProgress = quiet) -> Iterator[AccountSnapshot]:
        """Each chosen account's snapshot as soon as it is loaded (in no fixed order)."""
        total = len(self.accounts)
        queue = iter(self.accounts)
        pending: dict[Future[AccountSnapshot], OrgAccount] = {}
        pool = ThreadPoolExecutor(max_workers=max(1, self.options.jobs),
                                  thread_name_prefix="rolemap-org")

        def start_next(done: int) -> None:
            account = next(queue, None)
            if account is not None:
                progress(AccountEvent(account.account_id, account.name, STARTED, done, total))
                pending[pool.submit(self._load, account)] = account

        done = 0
        try:
            for _ in range(max(1, self.options.jobs)):
                start_next(done)
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    account = pending.pop(future)
                    done += 1
                    try:
                        snapshot = future.result()
                    except (AssumeRefused, RolemapError) as exc:
                        self._fail(account, exc)
                        progress(AccountEvent(account.account_id, account.name, FAILED, done,
                                              total, self.failed[account.account_id]))
                    else:
                        progress(AccountEvent(account.account_id, account.name, LOADED, done,
                                              total, counts(snapshot)))
                        yield snapshot
                    start_next(done)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _load(self, account: OrgAccount) -> AccountSnapshot:
        options = self.options
        if account.account_id == self.conn.account_id:
            conn, label = self.conn, options.label
        else:
            arn = member_role_arn(self.partition, account.account_id, options.member_role)
            conn = member_connection(self.conn, arn, timeout=options.timeout,
                                     max_attempts=options.max_attempts)
            label = f"{options.label}, role {options.member_role} in {account.account_id}"
        snapshot = load_live(conn, options.regions, source=SourceInfo("profile", label),
                             workers=options.workers)
        return with_tree_organization(snapshot, self.tree)

    def _fail(self, account: OrgAccount, exc: Exception) -> None:
        if isinstance(exc, AssumeRefused):
            self.warnings.append(LoadWarning(ASSUME_OPERATION, exc.role_arn, exc.message,
                                             exc.code))
        else:
            self.warnings.append(LoadWarning(LOAD_OPERATION, account.account_id, str(exc)))
        self.failed[account.account_id] = str(exc)


def start_org_load(conn: AwsConnection, options: OrgLoadOptions) -> OrgLoad:
    """Read the organisation and choose the accounts (SourceError when the organisation
    cannot be read at all, or a --accounts / --ous name matches nothing)."""
    identity = conn.caller_identity()  # no credentials: one error before anything is read
    partition = str(identity.get("Arn") or "arn:aws:").split(":")[1] or "aws"
    tree, warnings = read_org_tree(conn)
    accounts, skipped = select_accounts(tree, options.accounts, options.ous)
    return OrgLoad(conn, options, tree, accounts, partition, [*warnings, *skipped])


def save_org_live(conn: AwsConnection, path: Path | str, options: OrgLoadOptions,
                  progress: OrgProgress = quiet) -> OrgFolder:
    """Load the organisation behind `conn` into the folder `path`, account by account."""
    load = start_org_load(conn, options)
    return save_org_folder(path, load.tree, load.snapshots(progress), load.warnings,
                           load.failed)
