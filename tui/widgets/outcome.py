"""How an outcome looks: a symbol and a word as well as a colour, so it reads without colour."""

from __future__ import annotations

from rich.text import Text

from graph.policy import Outcome

#: Outcome -> (symbol, word, style).
OUTCOME_LOOK: dict[Outcome, tuple[str, str, str]] = {
    Outcome.ALLOWED: ("✔", "allowed", "bold green"),
    Outcome.CONDITIONAL: ("?", "conditional", "bold yellow"),
    Outcome.DENIED: ("✘", "denied", "red"),
    Outcome.UNKNOWN: ("!", "unknown", "bold magenta"),
}

#: Display order, strongest first.
OUTCOME_ORDER = (Outcome.ALLOWED, Outcome.CONDITIONAL, Outcome.UNKNOWN, Outcome.DENIED)


def outcome_text(outcome: Outcome, *, word: bool = True) -> Text:
    symbol, name, style = OUTCOME_LOOK[outcome]
    return Text(f"{symbol} {name}" if word else symbol, style=style)


def best(outcomes: list[Outcome]) -> Outcome:
    """The strongest outcome (what a bucket or level shows when folded)."""
    for outcome in OUTCOME_ORDER:
        if outcome in outcomes:
            return outcome
    return Outcome.DENIED


def summary(outcomes: list[Outcome]) -> Text:
    """Counts per outcome, e.g. "3 ✔ allowed · 1 ? conditional"; denied only when alone."""
    text = Text()
    shown = [o for o in OUTCOME_ORDER if o in outcomes and o is not Outcome.DENIED]
    if not shown:
        shown = [Outcome.DENIED]
    for i, outcome in enumerate(shown):
        if i:
            text.append(" · ")
        symbol, name, style = OUTCOME_LOOK[outcome]
        text.append(f"{outcomes.count(outcome)} {symbol} {name}", style=style)
    return text
