"""The screen as the user sees it: one string per terminal row (what tmux capture-pane gives)."""

from __future__ import annotations

from textual.app import App


def screen_rows(app: App[object]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[object]) -> str:
    return "\n".join(screen_rows(app))
