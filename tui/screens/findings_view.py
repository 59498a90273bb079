"""The Findings tab's rows: grouped by category (worst group first), filtered by severity.

A reviewer reads findings by kind — every public bucket, then every administrator role — and
triages by severity. Each category is a header row ("▼ Public bucket: 3 findings (1
critical, 2 high)"); Enter on it folds or unfolds it. `v` switches to one ranked list, `f` raises
the severity floor (all → low → medium → high → critical → all).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from textual.widgets import TabbedContent

from graph.findings import CATEGORY_BY_ID, Finding, Severity, category_order
from tui.widgets.resource_table import ResourceTable
from tui.widgets.table_model import Row

#: Key prefix of a category's header row (no finding id starts with it).
GROUP = "group:"

#: The floors `f` cycles through; None shows every finding.
FLOORS: tuple[Severity | None, ...] = (None, Severity.LOW, Severity.MEDIUM, Severity.HIGH,
                                       Severity.CRITICAL)


@dataclass
class FindingsView:
    """How the Findings tab shows the account's findings (kept while the explorer lives)."""

    grouped: bool = True
    floor: Severity | None = None
    #: Categories the user folded.
    folded: set[str] = field(default_factory=set)

    def change(self, what: str) -> None:
        """"group": grouped by category or one ranked list; "floor": the next severity floor."""
        if what == "group":
            self.grouped = not self.grouped
        else:
            self.floor = FLOORS[(FLOORS.index(self.floor) + 1) % len(FLOORS)]

    def toggle(self, key: str) -> bool:
        """Fold or unfold the category of a header row; False for a finding's row."""
        if not key.startswith(GROUP):
            return False
        category = key.removeprefix(GROUP)
        self.folded.symmetric_difference_update({category})
        return True

    def shown(self, findings: Iterable[Finding]) -> list[Finding]:
        """Findings at or above the floor, in their ranked order."""
        if self.floor is None:
            return list(findings)
        return [f for f in findings if f.rank >= self.floor.rank]

    def title(self, findings: Collection[Finding]) -> str:
        """What the tab title counts: "12" or "5 of 12, ≥ high"."""
        if self.floor is None:
            return str(len(findings))
        return f"{len(self.shown(findings))} of {len(findings)}, ≥ {self.floor.value}"

    def rows(self, findings: Iterable[Finding]) -> list[Row]:
        kept = self.shown(findings)
        if not self.grouped:
            return [_row(f) for f in kept]
        groups: dict[str, list[Finding]] = {}
        for finding in kept:
            groups.setdefault(finding.category, []).append(finding)
        order = sorted(groups, key=lambda c: (-max(f.rank for f in groups[c]),
                                              category_order(c), c))
        rows: list[Row] = []
        for category in order:
            members = [_row(f) for f in groups[category]]
            rows.append(self._header(category, groups[category], members))
            if category not in self.folded:
                rows.extend(members)
        return rows

    def _header(self, category: str, found: list[Finding], members: list[Row]) -> Row:
        worst = max(found, key=lambda f: f.rank).severity
        counts = [f"{sum(f.severity is s for f in found)} {s.value}" for s in Severity
                  if any(f.severity is s for f in found)]
        known = CATEGORY_BY_ID.get(category)
        arrow = "▶" if category in self.folded else "▼"
        noun = "finding" if len(found) == 1 else "findings"
        name = f"{known.name}: " if known is not None else ""
        text = f"{arrow} {name}{len(found)} {noun} ({', '.join(counts)})"
        # The header stays visible while any of its findings matches the filter.
        haystack = " ".join([worst.value, category, text, *(m.haystack for m in members)])
        return Row(f"{GROUP}{category}", (worst.value, category, text), haystack.lower())


def _row(finding: Finding) -> Row:
    return Row.of(finding.id, finding.severity.value, finding.category, finding.title)


def on_first_finding(table: ResourceTable) -> None:
    """The cursor on the worst finding rather than on its category's header."""
    visible = table.model.visible
    if table.cursor == 0 and len(visible) > 1 and visible[0].key.startswith(GROUP):
        table.cursor = 1


class FindingsTabActions:
    """Mixed into the explorer: what `v`, `f` and Enter on a category do to the Findings tab
    (the explorer supplies `query_one`, `workspace`, `tabs` and `_title`)."""

    findings_view: FindingsView

    def _refresh_findings(self, first: bool = True) -> None:
        """Rows and title of the Findings tab after `v`, `f` or (not `first`) a fold."""
        screen: Any = self
        table = screen.query_one("#findings", ResourceTable)
        table.replace_rows(self.findings_view.rows(screen.workspace.findings.values()))
        if first:
            on_first_finding(table)
        tab = next(t for t in screen.tabs if t.id == "findings")
        screen.query_one(TabbedContent).get_tab("tab-findings").label = screen._title(tab)

    def action_findings(self, change: str) -> None:
        """`v` groups by category or ranks them all; `f` raises the severity floor."""
        self.findings_view.change(change)
        self._refresh_findings()
