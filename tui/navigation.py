"""Where a screen asks to go: typed requests that the app's navigator turns into screens.

Screens never import each other (an import-linter contract says so): a screen that wants
another one posts one of these messages to the app (`screen.app.post_message(...)`), and
`tui.navigator` – the one module that knows which screen answers which request – opens it.
This is how mature Textual apps keep screens apart (harlequin's widgets post messages that its
App handles). A request that waits for an answer (a confirmation, a jump target) carries the
callback that receives it, as `App.push_screen` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message

from graph.access import AccessGraph
from graph.diff import ChangeRow
from graph.findings import Finding
from graph.model import AccountSnapshot
from graph.sources import AwsConnection
from tui.widgets.change_mark import ChangeMark
from tui.workspace import Workspace

#: A jump's answer: (explorer tab id, key of the resource or None for the tab itself), and
#: in an organisation the account holding it when that is not the one open.
JumpTarget = tuple[str, str | None] | tuple[str, str | None, str]


@dataclass
class OpenTrace(Message):
    """Everything an instance or role reaches; `focus`: the finding it was opened for (its
    path explained first); `mark`: a change from the Changes tab to select and label."""

    workspace: Workspace
    kind: str
    key: str
    focus: Finding | None = None
    mark: ChangeMark | None = None


@dataclass
class OpenWhoCan(Message):
    """Every principal that reaches a bucket (`focus`, `mark` as for OpenTrace)."""

    workspace: Workspace
    bucket: str
    focus: Finding | None = None
    mark: ChangeMark | None = None


@dataclass
class DecideFirst(Message):
    """`t` before the background analysis is done: decide this instance ("instance"), role
    ("role") or bucket ("bucket") now, then open its view."""

    view: str
    key: str


@dataclass
class OpenResource(Message):
    """The description (`raw` False) or the raw JSON (`raw` True) of an instance, role or
    bucket (`kind`: the explorer tab id); `replace`: instead of the screen in front."""

    workspace: Workspace
    kind: str
    key: str
    raw: bool = False
    replace: bool = False


@dataclass
class OpenChange(Message):
    """Enter on a Changes row: its trace (or who-can) on the new snapshot, change marked."""

    workspace: Workspace
    row: ChangeRow


@dataclass
class ShowChange(Message):
    """`d` on the Changes tab: a row or a cause in full."""

    text: Text


@dataclass
class AskJump(Message):
    """`:`: pick a tab or a resource by name; `then` receives the target (None: cancelled)."""

    workspace: Workspace
    then: Callable[[JumpTarget | None], None]


@dataclass
class OpenAccount(Message):
    """Enter on the Accounts tab (or a jump to another account): analyse that account of the
    organisation and show it in the explorer; `select`: the (tab id, key) to select then."""

    account: str
    select: tuple[str, str | None] | None = None


@dataclass
class OpenWizard(Message):
    """The role wizard on this account; `attach`: instance ids to associate the role with."""

    snapshot: AccountSnapshot
    graph: AccessGraph
    connection: AwsConnection | None
    attach: tuple[str, ...] = ()


@dataclass
class AskConfirm(Message):
    """A yes/no question before something that cannot be undone; `then` receives True for
    `yes`, False (or None) otherwise."""

    question: str
    detail: str
    yes: str
    no: str
    then: Callable[[bool | None], None]


@dataclass
class OfferFile(Message):
    """A copy too large for the terminal's clipboard: offer to write `text` to a file
    (`path` proposed; `reason` says why it was not copied)."""

    text: str
    what: str
    reason: str
    path: str
