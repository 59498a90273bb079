"""The main view: instances, roles, buckets and load warnings, each a filterable table.

Tabs are declared in `TABS`, so adding a view (findings, later) is one entry plus its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, TabbedContent, TabPane

from graph.diff import ChangeRow
from tui.messages import WorkspaceChanged
from tui.navigation import (
    AskJump,
    DecideFirst,
    OpenChange,
    OpenResource,
    OpenTrace,
    OpenWhoCan,
    OpenWizard,
    ShowChange,
)
from tui.screens.accounts_view import ACCOUNTS_ACTIONS, AccountsTabActions
from tui.screens.changes_pane import ChangesPane
from tui.screens.changes_tree import ChangesTree, parse_row_key
from tui.screens.explorer_copy import ExplorerCopy
from tui.screens.findings_view import FindingsTabActions, FindingsView, on_first_finding
from tui.views.org_rows import ORG_COLUMNS
from tui.views.rows import (
    BUCKET_COLUMNS,
    FINDING_COLUMNS,
    INSTANCE_COLUMNS,
    ROLE_COLUMNS,
    WARNING_COLUMNS,
    ExplorerRows,
)
from tui.widgets.accounts_tree import AccountsTree
from tui.widgets.analysis_bar import AnalysisBar
from tui.widgets.header import AccountHeader
from tui.widgets.key_bar import KeyBar
from tui.widgets.resource_table import ResourceTable
from tui.widgets.table_model import Column, Row, TableModel
from tui.widgets.throttle import Throttle
from tui.workspace import Workspace


@dataclass(frozen=True)
class Tab:
    """One explorer view: the rows attribute of `ExplorerRows` it shows, and its columns."""

    id: str
    title: str
    columns: tuple[Column, ...]
    empty: str

    def rows(self, rows: ExplorerRows) -> tuple[Row, ...]:
        result: tuple[Row, ...] = getattr(rows, self.id)
        return result


TABS = (
    Tab("findings", "Findings", FINDING_COLUMNS,
        "No findings: nothing public, shared, administrator-level or escalating."),
    Tab("instances", "Instances", INSTANCE_COLUMNS, "No instances in this account."),
    Tab("roles", "Roles", ROLE_COLUMNS, "No roles in this account."),
    Tab("buckets", "Buckets", BUCKET_COLUMNS, "No buckets in this account."),
    Tab("warnings", "Load warnings", WARNING_COLUMNS, "Everything loaded without warnings."),
)

#: Words accepted by `:` to jump to a tab (first letters are enough).
TAB_IDS = tuple(tab.id for tab in TABS)

#: Shown with `--compare OLD`: what changed since OLD, by cause (a tree, not a table).
CHANGES_TAB = Tab("changes", "Changes", (), "Nothing changed since the old snapshot.")

#: Shown for an account opened from an organisation folder: the OU tree (a tree, not a table).
ACCOUNTS_TAB = Tab("accounts", "Accounts", (), "No account in this organisation.")


class ExplorerScreen(ExplorerCopy, AccountsTabActions, FindingsTabActions, Screen[None]):
    """Tables of the account's resources; opens traces, who-can views and details from them."""

    #: The tables take the room left by the bars (the analysis bar sits below them).
    DEFAULT_CSS = "ExplorerScreen #tabs { height: 1fr; }"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("colon", "jump", "Jump", id="jump"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="filter.clear"),
        Binding("t", "trace", "Trace", id="trace"),
        Binding("t", "who_can", "Who can", id="who_can"),
        Binding("d", "details", "Details", id="details"),
        Binding("y", "raw_json", "JSON", id="raw_json"),
        Binding("w", "wizard", "New role", id="wizard"),
        Binding("v", "findings('group')", "Group", id="findings.group"),
        Binding("f", "findings('floor')", "Severity", id="findings.severity"),
        Binding("right_square_bracket", "next_tab", "Next tab", show=False, id="tab.next"),
        Binding("left_square_bracket", "previous_tab", "Prev tab", show=False, id="tab.previous"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        """The loaded account and its analysis; replaced on a new assumed context."""
        self.tabs = ((ACCOUNTS_TAB,) if workspace.org is not None else ()) + TABS + \
            ((CHANGES_TAB,) if workspace.diff is not None else ())
        """The tabs shown: Accounts for an organisation, Changes when comparing."""
        self.findings_view = FindingsView()
        """The Findings tab's grouping, severity floor and folded categories."""

    def _rows(self, tab: Tab, workspace: Workspace) -> tuple[Row, ...]:
        if tab.id == "findings" and workspace.analysed:
            return tuple(self.findings_view.rows(workspace.findings.values()))
        return tab.rows(workspace.rows)

    def compose(self) -> ComposeResult:
        yield AccountHeader()
        initial = "tab-changes" if CHANGES_TAB in self.tabs else ""
        with TabbedContent(id="tabs", initial=initial):
            for tab in self.tabs:
                with TabPane(self._title(tab), id=f"tab-{tab.id}"):
                    if tab is CHANGES_TAB:
                        yield ChangesPane(self.workspace.diff, tab.id)
                        continue
                    if tab is ACCOUNTS_TAB and self.workspace.org is not None:
                        yield AccountsTree(self.workspace.org, id=tab.id)
                        continue
                    columns = ORG_COLUMNS.get(tab.id, tab.columns) \
                        if self.workspace.org is not None else tab.columns
                    model = TableModel(columns, self._rows(tab, self.workspace))
                    yield ResourceTable(model, empty_text=tab.empty, id=tab.id)
        yield Input(placeholder="filter (Esc clears)", id="filter")
        yield AnalysisBar(id="analysis")
        yield KeyBar()

    def on_mount(self) -> None:
        self._tab_moves = Throttle(limit=8, seconds=1.0)
        self.query_one("#filter", Input).display = False
        self.query_one(AnalysisBar).display = self._analysing
        self.table.focus()
        self.refresh_bindings()  # the first tab may be Changes, whose keys differ
        on_first_finding(self.query_one("#findings", ResourceTable))

    @property
    def _analysing(self) -> bool:
        """A background analysis runs (not for tables from stored results: none does)."""
        return not self.workspace.analysed and self.workspace.stored is None

    def show_analysis(self, step: str, done: int, total: int) -> None:
        """Progress of the background analysis (the app forwards its worker's messages)."""
        if not self.workspace.analysed:
            self.query_one(AnalysisBar).show(step, done, total)

    # -- state ------------------------------------------------------------------------------

    @property
    def tab_id(self) -> str:
        active = self.query_one(TabbedContent).active
        return active.removeprefix("tab-") or self.tabs[0].id

    @property
    def table(self) -> ResourceTable | ChangesTree | AccountsTree:
        """The current tab's view: a table, or the Changes or Accounts tab's tree."""
        view = self.query_one(f"#{self.tab_id}")
        assert isinstance(view, ResourceTable | ChangesTree | AccountsTree)
        return view

    @property
    def selected(self) -> tuple[str, str] | None:
        """(tab id, row key) under the cursor, or None."""
        key = self.table.current_key
        return (self.tab_id, key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.tab_id == "changes" and action in ("raw_json", "who_can"):
            return None
        if self.tab_id == "accounts" and action not in ACCOUNTS_ACTIONS:
            return False  # they act on a resource row: not offered on the tree
        if action == "trace":
            return self.tab_id in ("instances", "roles", "findings", "changes")
        if action == "who_can":
            return self.tab_id == "buckets"
        if action in ("details", "raw_json"):  # on a finding, Enter and t open it already
            return {"warnings": None, "findings": False}.get(self.tab_id, True)
        if action in ("wizard", "findings"):  # the wizard's what-if needs the whole account
            return self.workspace.analysed and (action == "wizard" or self.tab_id == "findings")
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id != self.query_one(TabbedContent).active:
            return  # stale: moving the focus for it switched tabs back and forth forever
        filter_input = self.query_one("#filter", Input)
        with filter_input.prevent(Input.Changed):
            table = self.table
            filter_input.value = table.filter_text \
                if isinstance(table, ChangesTree | AccountsTree) else table.model.filter_text
        filter_input.display = bool(filter_input.value)
        self.refresh_bindings()
        if not filter_input.has_focus and self.is_current and self.focused is not self.table \
                and self._tab_moves.allow():
            self.table.focus()

    def on_workspace_changed(self, message: WorkspaceChanged) -> None:
        same_rows = message.workspace.rows is self.workspace.rows
        self.workspace = message.workspace
        self.query_one(AnalysisBar).display = self._analysing
        self.refresh_bindings()
        if same_rows:
            return
        tabs = self.query_one(TabbedContent)
        for tab in self.tabs:
            if tab is ACCOUNTS_TAB:
                self.refresh_accounts()
            elif tab is CHANGES_TAB:
                self.query_one(f"#{tab.id}", ChangesTree).show(message.workspace.diff)
            else:
                self.query_one(f"#{tab.id}", ResourceTable).replace_rows(
                    list(self._rows(tab, message.workspace))
                )
            tabs.get_tab(f"tab-{tab.id}").label = self._title(tab)  # type: ignore[assignment]
        on_first_finding(self.query_one("#findings", ResourceTable))

    def _title(self, tab: Tab) -> str:
        """The tab's title; the short lists say how long they are ("…" while analysing)."""
        if tab is CHANGES_TAB and self.workspace.diff is not None:
            return f"{tab.title} ({len(self.workspace.diff.causes)})"
        if tab.id not in ("warnings", "findings"):
            return tab.title
        if tab.id == "findings":
            count = self.findings_view.title(self.workspace.findings.values())
            if self.workspace.stored is not None:
                count = str(len(self.workspace.stored.findings))
            elif not self.workspace.analysed:
                count = "…"
            return f"{tab.title} ({count})"
        return f"{tab.title} ({len(tab.rows(self.workspace.rows))})"

    # -- filter and jump ----------------------------------------------------------------------

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.display = True
        self.set_focus(filter_input)  # now: keys typed at once go in

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.value = ""
        self.table.apply_filter("")
        filter_input.display = False
        self.table.focus()

    def action_jump(self) -> None:
        self.app.post_message(AskJump(self.workspace, self.jump_to))

    def jump_to(self, target: tuple[str, str | None] | None) -> None:
        """Show a tab and, when given, put the cursor on that resource (clearing a filter
        that hides it, since the user asked for it by name)."""
        if target is None or self.jump_elsewhere(target):
            return
        tab_id, key = target[0], target[1]
        self.query_one(TabbedContent).active = f"tab-{tab_id}"
        if tab_id == "accounts":
            return self.jump_to_account(key)
        table = self.query_one(f"#{tab_id}", ResourceTable)
        if key is not None and not table.move_to_key(key):
            table.apply_filter("")
            self.query_one("#filter", Input).value = ""
            table.move_to_key(key)
        table.focus()

    def action_next_tab(self) -> None:
        self._cycle_tab(1)

    def action_previous_tab(self) -> None:
        self._cycle_tab(-1)

    def _cycle_tab(self, step: int) -> None:
        ids = [tab.id for tab in self.tabs]
        index = ids.index(self.tab_id)
        self.query_one(TabbedContent).active = f"tab-{ids[(index + step) % len(ids)]}"

    # -- opening things -------------------------------------------------------------------------

    @on(ChangesTree.NodeSelected)
    def _change_selected(self, event: ChangesTree.NodeSelected[str | None]) -> None:
        """Enter on a change row opens it marked; elsewhere it opens or closes the node."""
        if parse_row_key(event.node.data) is not None:
            self.action_trace()

    @on(ResourceTable.Selected)
    def _row_selected(self) -> None:
        """Enter opens what the row can reach (an instance's or role's trace, a bucket's
        who-can, a finding's path, a change's view); `d` keeps the details. A warning has
        nothing to reach."""
        if self.tab_id == "findings" and self.selected is not None:
            self.open_finding(self.selected[1])
        elif self.tab_id in ("instances", "roles", "changes"):
            self.action_trace()
        elif self.tab_id == "buckets":
            self.action_who_can()

    @property
    def selected_change(self) -> ChangeRow | None:
        """The diff row under the cursor on the Changes tab."""
        table = self.table
        return table.selected_row() if isinstance(table, ChangesTree) else None

    def action_details(self) -> None:
        table = self.table
        if isinstance(table, ChangesTree):
            text = table.details()
            if text is not None:
                self.app.post_message(ShowChange(text))
            return
        if self.selected is not None and self.selected[0] == "findings":
            self.open_finding(self.selected[1])
            return
        if self.selected is not None and self.selected[0] != "warnings" \
                and not self.foreign_bucket(self.selected):
            self.app.post_message(OpenResource(self.workspace, *self.selected))

    def action_raw_json(self) -> None:
        if self.selected is not None and self.selected[0] == "findings":
            self.open_finding(self.selected[1])
            return
        if self.selected is not None and self.selected[0] != "warnings" \
                and not self.foreign_bucket(self.selected):
            self.app.post_message(OpenResource(self.workspace, *self.selected, raw=True))

    def action_trace(self) -> None:
        change = self.selected_change
        if change is not None:
            self.app.post_message(OpenChange(self.workspace, change))
        elif self.selected is not None and self.selected[0] != "changes":
            kind, key = self.selected
            if kind == "findings":
                self.open_finding(key)
                return
            if not self.workspace.analysed:
                self.app.post_message(DecideFirst(kind.removesuffix("s"), key))
                return
            self.app.post_message(OpenTrace(self.workspace, kind.removesuffix("s"), key))

    def open_finding(self, finding_id: str) -> None:
        """The finding's trace (instance, role) or who-can (bucket), with the finding and its
        deciding statements in the evidence panel and the cursor on its path."""
        if self.findings_view.toggle(finding_id):
            return self._refresh_findings(first=False)  # a category's header: fold it
        finding = self.workspace.findings.get(finding_id)
        if finding is None and self.workspace.stored is not None:
            # From stored results: its subject's view, decided for this account now.
            view = next((f.view for f in self.workspace.stored.findings
                         if f.id == finding_id), None)
            if view is not None:
                self.app.post_message(DecideFirst(*view))
            return
        if finding is None or finding.view is None:
            return
        kind, key = finding.view
        if kind == "bucket":
            self.app.post_message(OpenWhoCan(self.workspace, key, focus=finding))
        else:
            self.app.post_message(OpenTrace(self.workspace, kind, key, focus=finding))

    def action_who_can(self) -> None:
        if self.selected is not None:
            if not self.workspace.analysed:
                self.app.post_message(DecideFirst("bucket", self.selected[1]))
                return
            self.app.post_message(OpenWhoCan(self.workspace, self.selected[1]))

    def action_wizard(self) -> None:
        """The role wizard; after it creates a role it asks the app to reload."""
        workspace = self.workspace
        selected = self.selected
        attach = (selected[1],) if selected is not None and selected[0] == "instances" else ()
        self.app.post_message(OpenWizard(
            workspace.snapshot, workspace.decided, workspace.loaded.connection, attach))
