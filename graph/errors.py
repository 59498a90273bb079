"""Errors rolemap reports to people: each names what is wrong and where, in one line."""

from __future__ import annotations


class RolemapError(Exception):
    """Base of every error the CLI turns into a one-line message and exit code 2."""


class PolicyParseError(RolemapError):
    """A policy document is malformed; names the policy and the JSON path of the fault."""

    def __init__(self, policy_name: str, path: str, message: str) -> None:
        self.policy_name = policy_name
        self.path = path
        self.message = message
        super().__init__(f"policy {policy_name!r} at {path}: {message}")


class Cancelled(RolemapError):
    """The person stopped a long task (an export from the app); nothing was written."""


class SourceError(RolemapError):
    """An account source (export folder, snapshot file, live account) cannot be read."""


class LookupFailed(RolemapError):
    """A named instance, role or bucket does not exist; lists close matches when there are any."""

    def __init__(self, kind: str, name: str, suggestions: list[str] | None = None) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions or [])
        hint = f" (did you mean: {', '.join(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"no {kind} named {name!r}{hint}")


class NotAnInstance(LookupFailed):
    """A role's name (or ARN) typed where an instance is expected: says so and names the
    instances that run as the role, which are what the person can ask about instead."""

    def __init__(self, role: str, instances: list[str]) -> None:
        RolemapError.__init__(self, f"{role!r} is a role, not an instance; " + (
            f"instances running as it: {', '.join(instances[:5])}"
            + (f" and {len(instances) - 5} more" if len(instances) > 5 else "")
            if instances else "no instance runs as it"))
        self.kind = "instance"
        self.name = role
        self.suggestions = instances[:5]
