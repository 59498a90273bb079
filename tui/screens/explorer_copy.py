"""What `c`, `C` and `e` take from the explorer: the selected row's ARN, the rows as JSON,
the selected resource as the export's first scope (mixed into the explorer, which supplies
`selected`, `workspace`, `table` and `tab_id`)."""

from __future__ import annotations

import json
from typing import Any

from tui.screens.changes_tree import ChangesTree
from tui.widgets.accounts_tree import AccountsTree


class ExplorerCopy:
    """The explorer's copy and export targets."""

    def copy_target(self) -> tuple[str, str] | None:
        """(text, what) for `c`: the selected resource's ARN (a warning's text)."""
        screen: Any = self
        if screen.selected is None:
            return None
        kind, key = screen.selected
        snapshot = screen.workspace.snapshot
        if kind == "findings":
            return key, "finding id"
        if kind == "instances":
            return snapshot.instance_by_id[key].arn, "instance ARN"
        if kind == "roles":
            return key, "role ARN"
        if kind == "buckets":
            own = snapshot.bucket_by_name.get(key)  # else another account's, reached
            return (own.arn if own else f"arn:aws:s3:::{key}"), "bucket ARN"
        if kind == "accounts":
            return screen.account_copy_target()
        table = screen.table
        if isinstance(table, ChangesTree):
            return table.copy_target()
        return table.model.visible[table.cursor].cell(2), "warning"

    def export_scopes(self) -> list[tuple[str, str]]:
        """The selected instance, role or bucket, offered first in the export dialog."""
        screen: Any = self
        if screen.selected is None or screen.selected[0] in ("warnings", "findings", "changes",
                                                             "accounts"):
            return []
        kind, key = screen.selected
        return [(kind.removesuffix("s"), key)]

    def view_json(self) -> tuple[str, str]:
        """(JSON, what) for `C`: the rows as shown (filtered, sorted), one object per row."""
        screen: Any = self
        table = screen.table
        if isinstance(table, ChangesTree):
            return table.view_json()
        if isinstance(table, AccountsTree):
            return screen.accounts_json()
        model = table.model
        rows = [
            {column.key: value for column, value in zip(model.columns, row.values, strict=True)}
            for row in model.visible
        ]
        return json.dumps(rows, indent=2), f"{len(rows)} {screen.tab_id} rows as JSON"
