"""The one way the app copies text: the system clipboard, else the terminal's (OSC 52).

pyperclip needs a desktop clipboard tool; over SSH or on a headless box it raises, and the
terminal's own clipboard escape sequence is the only way left. The notification names the way
that was taken, because OSC 52 silently does nothing in terminals that disable it: only the
system clipboard is reported as "copied".
"""

from __future__ import annotations

import pyperclip
from textual.app import App

SYSTEM = "system clipboard"
TERMINAL = "terminal clipboard (OSC 52)"


def copy_text(app: App[object], text: str, what: str) -> str:
    """Copy `text`, notify the user, and return which way was used (SYSTEM or TERMINAL)."""
    try:
        pyperclip.copy(text)
        way = SYSTEM
    except pyperclip.PyperclipException:
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
