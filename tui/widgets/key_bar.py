"""The bottom line of every screen: the keys that work here, as one line of text.

Textual's `Footer` builds one widget per key and rebuilds them all whenever focus or
bindings change; pushing a trace screen paid for that several times (about a fifth of a
second on a 2-core machine). One widget rendering one `Text` costs a single style pass,
which is what lets a trace open without a visible pause. Clicking a key still presses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True)
class ShownKey:
    """One key on the line."""

    display: str
    """How the key is written ("esc", "^r", "?")."""
    description: str
    """What it does ("Back")."""
    enabled: bool
    """False when the binding is inactive here (drawn dim)."""
    key: str
    """The key's name, which a click presses ("escape", "ctrl+r", "question_mark")."""


class KeyBar(Widget, can_focus=False):
    """Shown keys of the screen's active bindings (one per action), refreshed as they change."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 2;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.keys: list[ShownKey] = []
        """The keys as shown, left to right."""
        self._spans: list[tuple[int, int, int, str]] = []
        """(line, start, end, key name) cell ranges of the last render, for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys = shown_keys(screen, self.app.get_key_display)
        if keys != self.keys:
            lines = len(layout_lines(self.keys, self.size.width))
            self.keys = keys
            # More or fewer keys may take another line: then the height is measured again.
            self.refresh(layout=len(layout_lines(keys, self.size.width)) != lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(layout_lines(self.keys, width))

    def on_resize(self) -> None:
        self.refresh(layout=True)

    def render(self) -> Text:
        """The keys on one line, or two when one is too narrow; a key is never cut in half
        (keys that fit on neither line are left out: `?` lists them all)."""
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        text = Text(no_wrap=True, overflow="crop")
        self._spans = []
        for number, line in enumerate(layout_lines(self.keys, self.size.width)):
            if number:
                text.append("\n")
            offset = text.cell_len
            for shown in line:
                start = text.cell_len
                text.append(f" {shown.display} ", key_style)
                text.append(f"{shown.description} ", description_style)
                if not shown.enabled:
                    text.stylize("dim", start)
                self._spans.append((number, start - offset, text.cell_len - offset, shown.key))
        return text

    def on_click(self, event: events.Click) -> None:
        for line, start, end, key in self._spans:
            if line == event.y and start <= event.x < end:
                self.app.simulate_key(key)
                return


#: Lines the key bar may take; past them, keys are left out whole.
MAX_LINES = 2


def entry_width(shown: ShownKey) -> int:
    return len(shown.display) + len(shown.description) + 3


def layout_lines(keys: list[ShownKey], width: int) -> list[list[ShownKey]]:
    """Keys in order, wrapped onto at most MAX_LINES lines of `width` cells, whole."""
    lines: list[list[ShownKey]] = [[]]
    used = 0
    for shown in keys:
        needed = entry_width(shown)
        if used + needed > width and lines[-1] and width > 0:
            if len(lines) == MAX_LINES:
                continue  # a shorter key further on may still fit
            lines.append([])
            used = 0
        if used + needed <= width or not lines[-1]:
            lines[-1].append(shown)
            used += needed
    return lines


def shown_keys(screen: Screen[object], key_display: Callable[[Binding], str]) -> list[ShownKey]:
    """One entry per action among the shown bindings, in binding order, then the command
    palette's key (as Textual's Footer lays them out) — except help, which comes first so
    that a narrow terminal, which cuts the line short, still shows where the rest is."""
    seen: set[str] = set()
    keys: list[ShownKey] = []
    active = screen.active_bindings
    for key, (_, binding, enabled, _) in active.items():
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        entry = ShownKey(key_display(binding), binding.description, enabled, key)
        if binding.action.removeprefix("app.") == "help":
            keys.insert(0, entry)
        else:
            keys.append(entry)
    app = screen.app
    palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
    if palette is not None and palette.binding.action not in seen:
        keys.append(ShownKey(key_display(palette.binding), palette.binding.description,
                             palette.enabled, app.COMMAND_PALETTE_BINDING))
    return keys
