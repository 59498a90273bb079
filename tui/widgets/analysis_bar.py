"""The one-line bar under the explorer's tables while the background analysis runs.

The tables are usable as soon as the files are read; this bar says that access counts are
still coming, which step the analysis is at, and how far along it is. It hides itself once
the analysis is done.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

#: What each analysis step is called on the bar (steps of graph.access and the tables).
STEP_WORDS = {
    "buckets": "reading bucket policies",
    "public access": "deciding public access",
    "trust": "reading trust policies",
    "roles": "deciding roles",
}


class AnalysisBar(Horizontal):
    """"Analysis: deciding roles (350/1,000)" and a progress bar."""

    DEFAULT_CSS = """
    AnalysisBar { height: 1; background: $panel; padding: 0 1; }
    AnalysisBar #analysis-step { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    AnalysisBar ProgressBar { width: auto; }
    AnalysisBar Bar { width: 24; }
    """

    def compose(self) -> ComposeResult:
        yield Label("Analysis: starting · t decides the selected one now", id="analysis-step")
        yield ProgressBar(id="analysis-progress", show_eta=False)

    def show(self, step: str, done: int, total: int) -> None:
        words = STEP_WORDS.get(step, step)
        counts = f" ({done:,}/{total:,})" if total else ""
        self.query_one("#analysis-step", Label).update(
            f"Analysis: {words}{counts} · t decides the selected one now")
        bar = self.query_one(ProgressBar)
        if total:
            bar.update(total=total, progress=done)
        else:
            bar.update(total=None)
