"""Stage 2, classify: split S3 actions into classes that every statement in play treats alike.

Two actions are in one class when every statement that can decide them (the role's identity
policies, boundary and SCPs that concern the bucket, and all of the bucket's policy and ACL
statements) names both or neither, and both are asked on the same kind of ARN (bucket or
object). The engine then answers such actions identically but for the action's own name, so
one question per class suffices (see decide/decider.py for how the answer is carried to each
member). Buckets are classified in reach/computer.py: by the statements that name them and by
their shape.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.access.compile.actions import scope_masks


def action_classes(wanted: int, masks: Iterable[int]) -> list[int]:
    """`wanted` split into the classes no mask separates (each class a non-empty mask)."""
    bucket, obj = scope_masks()
    classes = [c for c in (wanted & bucket, wanted & obj) if c]
    for m in {m & wanted for m in masks}:
        if not m or m == wanted:
            continue
        split: list[int] = []
        for c in classes:
            inside = c & m
            if inside and inside != c:
                split.append(inside)
                split.append(c ^ inside)
            else:
                split.append(c)
        classes = split
    return classes
