"""The one way the app copies text: the system clipboard, else the terminal's (OSC 52).

pyperclip needs a desktop clipboard tool; over SSH or on a headless box it raises, and the
terminal's own clipboard escape sequence is the only way left. The notification names the way
that was taken, because OSC 52 silently does nothing in terminals that disable it: only the
system clipboard is reported as "copied". Terminals also cap what OSC 52 carries (about
100 KB once base64-encoded) and drop more without a word: a larger text is not sent, and the
user is offered a file instead (the navigator opens SaveTextScreen for `OfferFile`).
"""

from __future__ import annotations

import pyperclip
from textual.app import App

from tui.navigation import OfferFile

SYSTEM = "system clipboard"
TERMINAL = "terminal clipboard (OSC 52)"
FILE = "a file (too large for the terminal)"
#: Encoded bytes terminals accept in one OSC 52 sequence (hterm's cap; xterm and tmux are of
#: that order): base64 makes 3 bytes of text 4.
OSC52_LIMIT = 100_000


def fits_osc52(text: str) -> bool:
    """Whether `text`, base64-encoded, stays within what terminals accept over OSC 52."""
    return (len(text.encode("utf-8")) + 2) // 3 * 4 <= OSC52_LIMIT


def copy_text(app: App[object], text: str, what: str) -> str:
    """Copy `text`, notify the user, and return which way was used (SYSTEM or TERMINAL)."""
    try:
        pyperclip.copy(text)
        way = SYSTEM
    except pyperclip.PyperclipException:
        if not fits_osc52(text):
            return _offer_file(app, text, what)
        app.copy_to_clipboard(text)
        way = TERMINAL
    if way == SYSTEM:
        app.notify(f"Copied {what} to the system clipboard.", title="Copied", markup=False)
    else:
        # Nothing confirms OSC 52 arrived: terminals may ignore it (tmux needs
        # set-clipboard on). Say what was done, not that it worked.
        app.notify(f"Sent {what} to the terminal (OSC 52); no system clipboard here. If "
                   "nothing pastes, your terminal does not accept OSC 52.",
                   title="Sent to the terminal", markup=False)
    return way


def _offer_file(app: App[object], text: str, what: str) -> str:
    """Say it was not sent, and why, and offer to write it to a file."""
    size = len(text.encode("utf-8"))
    reason = (f"{what.capitalize()} is {size // 1024:,} KB: more than terminals accept over "
              f"OSC 52 (about {OSC52_LIMIT // 1000} KB encoded), and there is no system "
              "clipboard here. Nothing was sent.")
    app.notify(reason, title="Too large to copy", severity="warning", markup=False)
    suffix = "json" if text.lstrip().startswith(("{", "[")) else "txt"
    app.post_message(OfferFile(text, what, reason, f"rolemap-copy.{suffix}"))
    return FILE
