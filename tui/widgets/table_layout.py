"""How a resource table fits the terminal without cutting what a reviewer must read.

Identifiers (instance ids, names, ARNs) and marks (risk words, severities) are never cut: when
the row does not fit, free-text columns narrow first (their long values end in "…"), then
free-text columns are left out from the right, then identifiers and marks wrap onto more lines
of the same row (identifiers at a separator such as "-" or "/" where one is near, marks
between words). Only a row whose unbreakable parts alone are wider than the screen scrolls
sideways.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Free-text columns are not narrowed below this.
MIN_WIDTH = 8
#: Identifier columns wrap, but not narrower than this (a name cut into 3-letter pieces
#: cannot be read).
MIN_WRAP = 12
#: Where an identifier prefers to break: after one of these.
_BREAKS = "-/:._, "


def fit_widths(widths: tuple[int, ...], available: int, gap: int,
               identifiers: tuple[bool, ...] = (),
               minimums: Sequence[int] = ()) -> tuple[int, ...]:
    """Column widths for `available` cells: narrow free text (widest first), then leave free
    text out from the right (only in tables with identifiers, so the row still says which
    resource it is), then narrow the kept columns (which wrap) down to `minimums`."""
    fixed = identifiers or (False,) * len(widths)
    floors = tuple(minimums) or tuple(min(w, MIN_WRAP) for w in widths)
    fitted = list(widths)

    def excess() -> int:
        shown = [w for w in fitted if w]
        return sum(shown) + gap * len(shown) - available

    def narrow(candidates: list[int], floor: Sequence[int]) -> None:
        while excess() > 0:
            narrowable = [i for i in candidates if fitted[i] > floor[i]]
            if not narrowable:
                return
            widest = max(narrowable, key=fitted.__getitem__)
            fitted[widest] -= 1

    if available <= 0:
        return tuple(fitted)
    narrow([i for i in range(len(fitted)) if not fixed[i]], [MIN_WIDTH] * len(fitted))
    for index in reversed(range(len(fitted)) if any(fixed) else ()):
        if excess() <= 0:
            break
        if not fixed[index]:
            fitted[index] = 0
    narrow([i for i in range(len(fitted)) if fixed[i]],
           [min(fitted[i], floors[i]) for i in range(len(fitted))])
    # Room freed by leaving a column out goes back to the columns narrowed before, those
    # closest to whole first (so as many as possible read in full).
    for index in sorted((i for i in range(len(fitted)) if 0 < fitted[i] < widths[i]),
                        key=lambda i: widths[i] - fitted[i]):
        fitted[index] += max(0, min(-excess(), widths[index] - fitted[index]))
    return tuple(fitted)


def wrap_identifier(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells, each ending after a separator when one is in the
    second half of the line (so "team-app-prod" breaks as "team-app-" / "prod")."""
    if width <= 0 or len(text) <= width:
        return [text]
    lines = []
    rest = text
    while len(rest) > width:
        cut = max(rest.rfind(c, 0, width) for c in _BREAKS) + 1
        if cut <= width // 2:
            cut = width
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(rest)
    return lines


def wrap_marks(marks: Sequence[str], width: int) -> list[str]:
    """Marks joined by spaces, a new line before a mark that would not fit (a mark is never
    split)."""
    lines: list[str] = []
    for mark in marks:
        if lines and len(lines[-1]) + 1 + len(mark) <= width:
            lines[-1] += " " + mark
        else:
            lines.append(mark)
    return lines or [""]


def ellipsis(text: str, width: int) -> str:
    """Free text cut to `width` cells, ending in "…" when cut."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
