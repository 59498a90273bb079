"""`:`: jump to a tab or to any instance, role or bucket by typing part of its name.

On an account opened from an organisation folder, every account's instances, roles and
buckets are offered as `ACCOUNT/name` (from the organisation's index: nothing is read), so
typing `ACCOUNT/name`, or a name unique in the organisation, lands on it; one in another
account opens that account first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.org_session import OrgSession
from tui.widgets.safe_text import label_text
from tui.workspace import Workspace

#: How many matches to list; a name typed further narrows it down.
_LIMIT = 40

#: Tab ids the jump list offers as "go to this view".
_KINDS = ("instances", "roles", "buckets", "warnings")

#: (tab id, key or None), with the account holding it when that is another account.
Target = tuple[str, str | None] | tuple[str, str | None, str]


@dataclass(frozen=True)
class Candidate:
    """Something to jump to: its label, lower-cased search text and the (tab, key) target."""

    label: str
    text: str
    target: Target


def org_candidates(org: OrgSession) -> list[Candidate]:
    """Every account of the organisation, and what each holds, named `ACCOUNT/name`."""
    index = org.index
    found = [Candidate("▸ accounts", "accounts", ("accounts", None))]

    def add(kind: str, account: str, name: str, target: Target) -> None:
        label = f"{kind:<9} {account}/{name}"
        found.append(Candidate(label, f"{label} {org.name(account)}".lower(), target))

    def aim(tab: str, key: str, account: str) -> Target:
        return (tab, key) if account == org.account else (tab, key, account)

    for account in index.tree.accounts:
        add("account", account.account_id, account.name, ("accounts", account.account_id))
    for account, items in sorted(index.instances.items()):
        for instance_id, tag in items:
            add("instance", account, f"{tag} {instance_id}" if tag else instance_id,
                aim("instances", instance_id, account))
    for arn, role in sorted(index.roles.items()):
        add("role", role.account, arn.rsplit("/", 1)[-1], aim("roles", arn, role.account))
    for name, bucket in sorted(index.buckets.items()):
        add("bucket", bucket.account, name, aim("buckets", name, bucket.account))
    return found


def candidates(workspace: Workspace) -> list[Candidate]:
    if workspace.org is not None:
        return [Candidate(f"▸ {kind}", kind, (kind, None)) for kind in _KINDS] + \
            org_candidates(workspace.org)
    snapshot = workspace.snapshot
    found = [Candidate(f"▸ {kind}", kind, (kind, None)) for kind in _KINDS]
    for instance in snapshot.instances:
        label = f"instance  {instance.label}"
        found.append(Candidate(label, label.lower(), ("instances", instance.instance_id)))
    for role in snapshot.roles:
        label = f"role      {role.name}"
        found.append(Candidate(label, label.lower(), ("roles", role.arn)))
    for bucket in snapshot.buckets:
        label = f"bucket    {bucket.name}"
        found.append(Candidate(label, label.lower(), ("buckets", bucket.name)))
    return found


def matches(all_candidates: list[Candidate], query: str) -> list[Candidate]:
    """Candidates containing every typed word; kinds first, then by where the match starts."""
    words = query.lower().split()
    hits = [c for c in all_candidates if all(w in c.text for w in words)]
    if words:
        hits.sort(key=lambda c: (c.target[1] is not None, c.text.find(words[0]), c.text))
    return hits[:_LIMIT]


class JumpScreen(ModalScreen[Target | None]):
    """A command-palette style picker; dismisses with the chosen (tab id, key or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="jump.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="jump.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="jump.previous"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.candidates = candidates(workspace)
        """Everything one can jump to, built once per opening."""
        self._shown: list[Candidate] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-box"):
            yield Input(placeholder="jump to: instances, roles, buckets or a name", id="jump")
            yield OptionList(id="jump-options")

    def on_mount(self) -> None:
        self._show("")
        self.query_one("#jump", Input).focus()

    @on(Input.Changed, "#jump")
    def _typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        self._shown = matches(self.candidates, query)
        options.add_options(Option(label_text(c.label)) for c in self._shown)
        if self._shown:
            options.highlighted = 0

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if self._shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self._shown) - 1, current + step))

    @on(Input.Submitted, "#jump")
    def _submitted(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and self._shown:
            self.dismiss(self._shown[highlighted].target)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._shown[event.option_index].target)
