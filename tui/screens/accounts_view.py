"""The explorer's Accounts tab, shown when the account was opened from an organisation folder:
Enter on an account opens its analysis in the explorer (the app loads it), `:` may land in
another account, and the tables of the other tabs carry an Account column.

Mixed into the explorer (which supplies `query_one`, `workspace`, `app`, `tab_id`).
"""

from __future__ import annotations

import json
from typing import Any

from tui.messages import AccountRanked, AccountSized, SelectAfterOpen
from tui.navigation import JumpTarget, OpenAccount
from tui.widgets.accounts_tree import AccountsTree

#: The keys the Accounts tab offers (the rest act on a resource row).
ACCOUNTS_ACTIONS = frozenset({"filter", "clear_filter", "jump", "next_tab", "previous_tab",
                              "copy", "copy_view"})


class AccountsTabActions:
    """Enter on an account, the counts arriving, jumps into another account."""

    def _accounts(self) -> AccountsTree | None:
        screen: Any = self
        found = screen.query(AccountsTree)
        return found.first() if found else None

    def on_tree_node_selected(self, event: AccountsTree.NodeSelected[str | None]) -> None:
        """Enter on an account opens it (a mixin: `@on` handlers would not be collected)."""
        account = event.node.data
        if isinstance(event.control, AccountsTree) and account is not None:
            self.open_account(account)

    def open_account(self, account: str, select: tuple[str, str | None] | None = None) -> None:
        """Ask the app for `account`'s analysis (nothing happens when it is already open,
        but `select` is honoured)."""
        screen: Any = self
        org = screen.workspace.org
        if org is None:
            return
        if account == org.account:
            if select is not None:
                screen.jump_to(select)
            return
        reason = org.folder.failed.get(account)
        if reason is not None:
            screen.notify(f"Account {org.label(account)} could not be loaded: {reason}",
                          severity="warning", markup=False)
            return
        # Opened from the tree: its Findings first, as an account opened alone.
        screen.app.post_message(OpenAccount(account, select or ("findings", None)))

    def jump_elsewhere(self, target: JumpTarget) -> bool:
        """A jump to another account's resource: open that account first (True if so)."""
        screen: Any = self
        org = screen.workspace.org
        if len(target) != 3 or org is None or target[2] == org.account:
            return False
        self.open_account(target[2], (target[0], target[1]))
        return True

    def foreign_bucket(self, selected: tuple[str, str]) -> bool:
        """`d` or `y` on another account's bucket: its description lives in that account
        (said, True); False for the account's own rows."""
        screen: Any = self
        kind, key = selected
        org = screen.workspace.org
        if kind != "buckets" or org is None or key in screen.workspace.snapshot.bucket_by_name:
            return False
        entry = org.index.buckets.get(key)
        owner = org.label(entry.account) if entry is not None else "another account"
        screen.notify(f"Bucket {key} belongs to {owner}: open that account (Accounts tab) "
                      "for its details; Enter here shows who in this account reaches it.",
                      markup=False)
        return True

    def jump_to_account(self, account: str | None) -> None:
        """`:` on an account: the Accounts tab with the cursor on it (a filter hiding it is
        cleared, as for the other tabs)."""
        tree = self._accounts()
        if tree is None:
            return
        if account is not None and not tree.move_to_key(account):
            tree.apply_filter("")
            screen: Any = self
            screen.query_one("#filter").value = ""
            tree.move_to_key(account)
        tree.focus()

    def on_select_after_open(self, message: SelectAfterOpen) -> None:
        screen: Any = self
        screen.jump_to((message.tab_id, message.key))

    def on_account_sized(self, message: AccountSized) -> None:
        # Stopped here: the app forwarded it to this screen, and bubbling back to the app
        # would forward it again, without end (the app spun at full CPU, redrawing).
        message.stop()
        tree = self._accounts()
        if tree is not None:
            tree.refresh_account(message.account)

    def on_account_ranked(self, message: AccountRanked) -> None:
        message.stop()  # as on_account_sized
        tree = self._accounts()
        if tree is not None:
            tree.refresh_account(message.account)

    def refresh_accounts(self) -> None:
        """After another account opened: the "(open)" mark moves; the tab stays where it was."""
        screen: Any = self
        tree = self._accounts()
        if tree is not None and screen.workspace.org is not None:
            tree.session = screen.workspace.org
            tree.refresh_all()

    def account_copy_target(self) -> tuple[str, str] | None:
        tree = self._accounts()
        key = tree.current_key if tree is not None else None
        return (key, "account id") if key is not None else None

    def accounts_json(self) -> tuple[str, str]:
        """`C` on the Accounts tab: the accounts shown, with what is known of each."""
        screen: Any = self
        tree = self._accounts()
        org = screen.workspace.org
        rows = []
        for node in tree._leaves() if tree is not None else ():
            account = node.data
            if account is None or org is None:
                continue
            size, rank = org.sizes.get(account), org.ranks.get(account)
            rows.append({
                "account": account, "name": org.name(account),
                "failed": org.folder.failed.get(account),
                "instances": size.instances if size else None,
                "roles": size.roles if size else None,
                "buckets": size.buckets if size else None,
                "worst": (rank.worst.value if rank.worst else "none") if rank else None})
        return json.dumps(rows, indent=2), f"{len(rows)} accounts as JSON"
