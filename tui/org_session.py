"""An organisation folder opened in the app: its tree and index, the account shown now, and
what the Accounts tab knows of each account so far.

The app fills `sizes` and `ranks` from its background workers (on the UI thread, as their
messages arrive), or all at once from current stored results; the explorer reads them when it
draws the Accounts tab.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.org.index import OrgIndex
from graph.org.overview import AccountRank, AccountSize
from graph.sources.org.folder import OrgFolder


@dataclass(eq=False)
class OrgSession:
    """One organisation folder for the whole app session (accounts open one at a time)."""

    folder: OrgFolder
    index: OrgIndex
    #: The account whose analysis the explorer shows.
    account: str
    sizes: dict[str, AccountSize] = field(default_factory=dict)
    ranks: dict[str, AccountRank] = field(default_factory=dict)
    #: The folder's `rolemap analyse` results are current: tables come from them and an
    #: account is analysed only when a view needs what they do not hold.
    stored: bool = False
    #: What the app says of the stored results when it opens (current, stale, none).
    note: str = ""

    def label(self, account: str) -> str:
        """`123456789012 (name)`, as the command line names accounts."""
        return self.index.account_label(account)

    def name(self, account: str) -> str:
        found = self.index.tree.account(account)
        return found.name if found is not None else ""

    def first_account(self) -> str:
        """The management account when it was loaded, else the first loaded."""
        management = self.folder.tree.management_account_id
        return management if management in self.folder.loaded else self.folder.loaded[0]
