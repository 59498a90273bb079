"""How risk marks look: the word (readable without colour) in a colour that stands out."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from graph.risk import Risk

RISK_STYLE: dict[Risk, str] = {
    Risk.PUBLIC: "bold white on red",
    Risk.PERMISSIONS: "bold white on dark_red",
    Risk.S3_STAR: "bold red",
    Risk.OTHER_ACCOUNT: "bold magenta",
    Risk.NO_BPA: "bold red",
    Risk.DELETE: "bold red",
    Risk.WRITE: "bold yellow",
}


def risk_text(risks: Iterable[Risk]) -> Text:
    """Marks as `[PUBLIC] [WRITE]`, each in its style; empty Text when there are none."""
    text = Text()
    for risk in risks:
        if text:
            text.append(" ")
        text.append(f"[{risk.value}]", style=RISK_STYLE[risk])
    return text


def with_risks(label: Text, risks: Iterable[Risk]) -> Text:
    """The label followed by its marks (unchanged when there are none)."""
    marks = risk_text(risks)
    if marks:
        label.append("  ")
        label.append_text(marks)
    return label
