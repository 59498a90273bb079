"""Reusable widgets of the explorer: the virtual resource table, header, evidence panel."""
