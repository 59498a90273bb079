"""The Accounts tab's tree: the organisation's OUs with their accounts, each account with its
size (instances, roles, buckets) and the severity of its worst finding, failed accounts with
why. Node data is the account id (None for the root and OUs); the filter keeps the accounts
whose id, name or OU path contains every typed word, with the OUs above them.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from graph.model_org import ROOT, OrgTree
from tui.org_session import OrgSession
from tui.widgets.safe_text import label_text

#: Colours of the worst finding's severity, as the Findings tab shows them.
_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan",
                   "info": "dim"}


def unit_path(tree: OrgTree, account: str) -> tuple[str, ...]:
    """The names of the root and OUs above the account, root first."""
    names = []
    for target in tree.path_ids(account)[:-1]:
        unit = tree.unit(target)
        names.append(unit.name if unit is not None and unit.name else target)
    return tuple(names)


def account_line(session: OrgSession, account: str) -> Text:
    """`name  123456789012  worst: high  3 instances · 5 roles · 2 buckets` (or why it
    failed)."""
    line = Text()
    name = session.name(account)
    line.append_text(label_text(f"{name}  " if name else ""))
    line.append(account, style="bold" if account == session.account else "")
    if account == session.account:
        line.append("  (open)", style="bold green")
    reason = session.folder.failed.get(account)
    if reason is not None:
        line.append("  FAILED: ", style="bold red")
        line.append_text(label_text(reason))
        return line
    if account not in session.folder.loaded:
        line.append("  not loaded", style="dim")
        return line
    # The worst finding first: on a narrow terminal the counts are what gets cut.
    rank = session.ranks.get(account)
    if rank is None:
        line.append("  worst: …", style="dim")
    elif rank.worst is None:
        line.append("  worst: none", style="green")
    else:
        line.append("  worst: ")
        line.append(rank.worst.value, style=_SEVERITY_STYLE.get(rank.worst.value, ""))
    size = session.sizes.get(account)
    if size is None:
        line.append("  counting…", style="dim")
    else:
        line.append(f"  {size.instances} instances · {size.roles} roles · "
                    f"{size.buckets} buckets")
    return line


class AccountsTree(Tree[str | None]):
    """The OU tree; Enter on an account opens it (the explorer asks the app)."""

    def __init__(self, session: OrgSession, *, id: str) -> None:  # noqa: A002 (Textual's)
        super().__init__("organisation", id=id)
        self.session = session
        self.filter_text = ""
        """The words the tree is narrowed to ("" shows every account)."""
        self.show_root = False
        self.guide_depth = 3

    def on_mount(self) -> None:
        self.rebuild()

    def _keeps(self, account: str) -> bool:
        words = self.filter_text.lower().split()
        if not words:
            return True
        text = " ".join((account, self.session.name(account),
                         *unit_path(self.session.index.tree, account))).lower()
        return all(word in text for word in words)

    def rebuild(self) -> None:
        """Redraw the whole tree (the organisation is small: a few hundred accounts)."""
        tree = self.session.index.tree
        keep = self.current_key
        self.clear()
        children: dict[str, list[str]] = {}
        for unit in tree.units:
            children.setdefault(unit.parent_id, []).append(unit.unit_id)
        accounts: dict[str, list[str]] = {}
        for acct in sorted(tree.accounts, key=lambda a: (a.name.lower(), a.account_id)):
            if self._keeps(acct.account_id):
                accounts.setdefault(acct.parent_id, []).append(acct.account_id)
        roots = [u.unit_id for u in tree.units if u.kind == ROOT] or [""]
        for root in roots:
            self._add(self.root, root, children, accounts)
        self.root.expand_all()
        if keep is not None:
            self.move_to_key(keep)

    def _add(self, parent: TreeNode[str | None], unit_id: str,
             children: dict[str, list[str]], accounts: dict[str, list[str]]) -> bool:
        """Add the unit with what it holds; False (and nothing added) when the filter leaves
        no account under it."""
        unit = self.session.index.tree.unit(unit_id)
        name = (unit.name or unit.unit_id) if unit is not None else "(no OU)"
        node = parent.add(Text.assemble((name, "bold"), (f"  {unit_id}", "dim")), data=None)
        kept = False
        for child in sorted(children.get(unit_id, ()), key=self._unit_name):
            kept = self._add(node, child, children, accounts) or kept
        for account in accounts.get(unit_id, ()):
            node.add_leaf(account_line(self.session, account), data=account)
            kept = True
        if not kept and self.filter_text:
            node.remove()
        return kept or not self.filter_text

    def _unit_name(self, unit_id: str) -> str:
        unit = self.session.index.tree.unit(unit_id)
        return (unit.name if unit is not None else unit_id).lower()

    def refresh_account(self, account: str) -> None:
        """Redraw one account's line (its size or worst finding arrived)."""
        for node in self._leaves():
            if node.data == account:
                node.set_label(account_line(self.session, account))

    def refresh_all(self) -> None:
        for node in self._leaves():
            if node.data is not None:
                node.set_label(account_line(self.session, node.data))

    def _leaves(self) -> list[TreeNode[str | None]]:
        out: list[TreeNode[str | None]] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    @property
    def current_key(self) -> str | None:
        """The account under the cursor (None on an OU)."""
        node = self.cursor_node
        return node.data if node is not None else None

    def move_to_key(self, account: str) -> bool:
        for node in self._leaves():
            if node.data == account:
                self.move_cursor(node)
                # Nodes just added have no line until the tree is laid out again.
                self.call_after_refresh(self.move_cursor, node)
                return True
        return False

    def apply_filter(self, text: str) -> None:
        """Keep the accounts matching `text`; the cursor stays on its account when that
        is still shown, else goes to the first one."""
        keep = self.current_key
        self.filter_text = text
        self.rebuild()
        shown = [n.data for n in self._leaves() if n.data is not None]
        if shown and keep not in shown:
            self.move_to_key(shown[0])
