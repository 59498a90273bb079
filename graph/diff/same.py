"""Two sides that cannot differ: the same file twice, or two copies of one snapshot.

`rolemap diff a.json a.json` answers "nothing changed" truthfully but uselessly; in a
nightly job that picked the wrong file it hides every change. Said, not refused: comparing a
file with itself is allowed, but the person must know that is what happened.
"""

from __future__ import annotations

import os
from pathlib import Path

from graph.model import AccountSnapshot


def same_sides(old_path: str | None, new_path: str | None, old: AccountSnapshot,
               new: AccountSnapshot) -> str | None:
    """Why OLD and NEW are (probably) one snapshot, or None when they are not."""
    if old_path and new_path and _same_file(old_path, new_path):
        return f"OLD and NEW are the same file ({new_path}): nothing can differ"
    if old.taken_at and old.taken_at == new.taken_at:
        return (f"OLD and NEW were both taken at {new.taken_at}: copies of one snapshot? "
                "(a nightly job should compare two different days)")
    return None


def _same_file(a: str, b: str) -> bool:
    """The same path once resolved (links, `..`), or the same inode (a hard link)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or os.path.samefile(a, b)
    except OSError:  # one side is gone or unreadable: it was opened, so not the same
        return False
