"""How risk marks look: the word (readable without colour) in a colour that stands out."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from graph.risk import Risk

RISK_STYLE: dict[Risk, str] = {
    Risk.PUBLIC: "bold white on red",
    Risk.ADMIN: "bold white on red",
    Risk.PUBLIC_IMDSV1: "bold white on red",
    Risk.PERMISSIONS: "bold white on dark_red",
    Risk.NEAR_ADMIN: "bold red",
    Risk.S3_STAR: "bold red",
    Risk.OTHER_ACCOUNT: "bold magenta",
    Risk.COULD_GAIN: "bold yellow",
    Risk.NO_BPA: "bold red",
    Risk.DELETE: "bold red",
    Risk.WRITE: "bold yellow",
}


#: Severity words of the Findings tab, in the colours of their urgency.
SEVERITY_STYLE: dict[str, str] = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "cyan",
    "info": "dim",
}

#: Every word a marks cell may hold, with its style; longest first so that "PUBLIC IMDSv1"
#: is read as one mark, not as PUBLIC followed by a word.
WORD_STYLE: dict[str, str] = dict(sorted(
    [*((r.value, style) for r, style in RISK_STYLE.items()), *SEVERITY_STYLE.items()],
    key=lambda item: -len(item[0])))


def split_marks(text: str) -> list[str]:
    """The marks of a cell such as "PUBLIC OTHER ACCOUNT NO BPA", each whole (a mark may hold
    a space); words that are no mark stand alone."""
    marks: list[str] = []
    rest = text.strip()
    while rest:
        word = next((w for w in WORD_STYLE if rest.startswith(w)
                     and (len(rest) == len(w) or rest[len(w)] == " ")), None)
        if word is None:
            word = rest.split(" ", 1)[0]
        marks.append(word)
        rest = rest[len(word):].lstrip()
    return marks


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
