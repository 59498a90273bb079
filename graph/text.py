"""Text from an account, made safe to show in a terminal.

Names, tags, descriptions and policy documents are written by whoever controls the account;
a tag value holding `ESC ]52;...` or `ESC [2J` would otherwise reach the reviewer's terminal
as a command (set the clipboard, rewrite the screen, retitle the window). Every character
that is not printable — C0/C1 controls, DEL, bidirectional overrides and other format
characters, lone surrogates, line separators — is shown as a Python-style escape (`\\x1b`,
`\\u202e`), so it is both harmless and visible to the reviewer.
"""

from __future__ import annotations

from typing import Any


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with every non-printable character escaped; `multiline` keeps newlines."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or (multiline and ch == "\n") else _escape(ch) for ch in text
    )


def shown(value: Any, *, multiline: bool = False) -> str:
    """Any value as printable text (None as the empty string)."""
    return "" if value is None else printable(str(value), multiline=multiline)


def stream_safe(text: str) -> str:
    """Like `printable` for a stream of lines: newlines, tabs and CRLF line ends stay."""
    if text.isprintable():
        return text
    out: list[str] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch.isprintable() or ch in "\n\t" or (ch == "\r" and i < last and text[i + 1] == "\n"):
            out.append(ch)
        else:
            out.append(_escape(ch))
    return "".join(out)


def markdown(value: Any) -> str:
    """Account text for a Markdown document (a table cell, a list item, a heading).

    The document is read in a terminal as often as in a renderer (`cat review.md`, a pager, a
    CI log), so it is escaped exactly like terminal output (`printable`); then one line (a
    newline would end the cell or the heading) and `|` escaped (it would split the cell).
    Every Markdown writer goes through this helper, so no account name reaches one raw.
    """
    text = "" if value is None else str(value)
    return printable(text.replace("\r\n", " ").replace("\n", " ")).replace("|", "\\|")


def mermaid(value: Any) -> str:
    """Account text for a Mermaid label: `printable`, then quotes and markup characters as
    Mermaid entities, so a name can neither close the label nor reach a terminal raw."""
    text = shown(value)
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return text
