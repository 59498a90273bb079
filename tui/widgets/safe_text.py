"""Rich `Text` built from account data, with graph.text's escaping applied span by span.

Textual strips only BEL, BS, VT, FF and CR from what it draws: an ESC in a tag would reach the
terminal. Plain strings go through `graph.text.printable`; this keeps the styles of a `Text`
while doing the same to it.
"""

from __future__ import annotations

from rich.text import Text

from graph.text import printable


def _bad(ch: str) -> bool:
    return not ch.isprintable() and ch != "\n"


def safe_text(text: Text) -> Text:
    """`text` with every non-printable character (newlines aside) shown as an escape."""
    plain = text.plain
    if plain.isprintable() or not any(_bad(ch) for ch in plain):
        return text
    cuts: list[int] = []
    for i, ch in enumerate(plain):
        if _bad(ch):
            cuts.extend((i, i + 1))
    out = Text(style=text.style, justify=text.justify, overflow=text.overflow,
               no_wrap=text.no_wrap, end=text.end)
    for piece in text.divide(cuts):
        if len(piece.plain) == 1 and _bad(piece.plain):
            style = piece.spans[0].style if piece.spans else ""
            out.append(printable(piece.plain), style=style)
        else:
            out.append_text(piece)
    return out


def label_text(label: str | Text) -> Text:
    """A widget label from account data: never parsed as markup (a name holding `[/x]` would
    raise), always escaped."""
    return safe_text(label) if isinstance(label, Text) else Text(printable(label))
