"""The rows behind a resource table, filtered and sorted in memory.

DataTable re-measures every cell when rows are re-added (seconds for 10,000 rows), so the
explorer keeps all rows here and the table widget draws only the visible slice: a keystroke in
the filter costs one pass over precomputed lower-case text plus a sort, never a widget rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from graph.text import printable
from tui.widgets.risk import split_marks
from tui.widgets.table_layout import MIN_WRAP

#: A cell's sort value: numbers sort numerically, text case-insensitively.
SortValue = str | int


@dataclass(frozen=True)
class Column:
    """One column: its key (stable, for sorting and tests) and the header a person reads."""

    key: str
    label: str
    #: Upper bound on the drawn width, so one long ARN cannot push the other columns away.
    max_width: int = 40
    #: The row's own identifier (instance id, name): never cut, not even by `max_width`;
    #: the other columns shrink or are left out first when the terminal is narrow.
    identifier: bool = False
    #: Marks (risk words, a severity): coloured, never cut (they wrap between marks) and
    #: never left out.
    marks: bool = False
    #: An identifier that does not wrap either (an instance id reads as one token): the other
    #: kept columns wrap first.
    whole: bool = False

    @property
    def kept(self) -> bool:
        """Never cut nor left out: it wraps instead (identifiers and marks)."""
        return self.identifier or self.marks


@dataclass(frozen=True)
class Row:
    """One row: the resource it stands for (`key`) and the values shown in each column."""

    key: str
    values: tuple[SortValue, ...]
    #: Text matched by the filter; lower-cased once here rather than per keystroke.
    haystack: str = field(default="", compare=False)

    @classmethod
    def of(cls, key: str, *values: SortValue) -> Row:
        return cls(key, tuple(values), " ".join(str(v) for v in values).lower())

    def cell(self, index: int) -> str:
        """The drawn text: account data, so control characters are shown escaped."""
        return printable(str(self.values[index]))


class TableModel:
    """All rows of one table plus the current filter and sort; `visible` is what is drawn."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Row] = ()) -> None:
        self.columns: tuple[Column, ...] = tuple(columns)
        """The table's columns, in display order."""
        self.rows: tuple[Row, ...] = tuple(rows)
        """Every row, unfiltered: kept so that clearing the filter is instant."""
        self.filter_text: str = ""
        """The current filter (case-insensitive, every word must match somewhere in the row)."""
        self.sort_column: int | None = None
        """Index of the column rows are sorted by, or None for load order."""
        self.sort_reverse: bool = False
        """Whether the sort is descending."""
        self.visible: list[Row] = list(self.rows)
        """Rows that pass the filter, in sort order."""
        self.widths: tuple[int, ...] = ()
        """Drawn width of each column, from all rows so widths do not jump while filtering."""
        self.minimums: tuple[int, ...] = ()
        """Narrowest each column may wrap to: a mark column's longest mark."""
        self._measure()

    def _measure(self) -> None:
        widths = []
        minimums = []
        for index, column in enumerate(self.columns):
            longest = max((len(row.cell(index)) for row in self.rows), default=0)
            cap = longest if column.kept else min(column.max_width, longest)
            widths.append(max(len(column.label) + 2, cap))  # + 2: the sort arrow
            floor = widths[-1] if column.whole else min(MIN_WRAP, widths[-1])
            if column.marks:
                floor = max((len(m) for row in self.rows for m in split_marks(row.cell(index))),
                            default=1)
            minimums.append(floor)
        self.widths = tuple(widths)
        self.minimums = tuple(minimums)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the rows (after a reload or a new assumed context), keeping filter and sort."""
        self.rows = tuple(rows)
        self._measure()
        self.refresh()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.refresh()

    def sort_by(self, column: int, reverse: bool | None = None) -> None:
        """Sort by a column; sorting again by the same column flips the direction."""
        if reverse is None:
            reverse = not self.sort_reverse if self.sort_column == column else False
        self.sort_column = column
        self.sort_reverse = reverse
        self.refresh()

    def refresh(self) -> None:
        words = self.filter_text.lower().split()
        if words:
            rows = [r for r in self.rows if all(w in r.haystack for w in words)]
        else:
            rows = list(self.rows)
        if self.sort_column is not None:
            index = self.sort_column
            rows.sort(key=lambda r: _sort_key(r.values[index]), reverse=self.sort_reverse)
        self.visible = rows

    def index_of(self, key: str) -> int | None:
        """Position of a row among the visible ones, to keep the cursor on it across refreshes."""
        for position, row in enumerate(self.visible):
            if row.key == key:
                return position
        return None


def _sort_key(value: SortValue) -> tuple[int, int | str]:
    # Numbers before text so mixed columns still sort deterministically.
    if isinstance(value, int):
        return (0, value)
    return (1, value.lower())
