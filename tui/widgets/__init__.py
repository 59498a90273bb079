"""Reusable widgets of the explorer: the virtual resource table, header, evidence panel, the
access tree. The lowest layer of tui/: widgets import no screen, view or workspace."""
