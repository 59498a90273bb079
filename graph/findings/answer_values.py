"""The value of a shared answer set, as a memo key: what every reading of the set depends on.

Answer sets are shared by thousands of buckets and roles, so what is read from one (granted
actions, a finding's grant, a diff's groups) is kept per set. Keyed by identity, such a memo
would answer for whatever object later reuses a freed one's address, and would read two equal
sets twice; keyed by value it does neither. The key is the access graph's own
(`graph.access.answers.class_answers.answers_key`): decided class answers by the values they
were decided from (made once, kept with them), any other map by its answers and the text of
every statement they quote (a `StatementRef` compares by its place in its policy, not by what
the statement says).
"""

from __future__ import annotations

from graph.access.answers.class_answers import answers_key

__all__ = ["answers_key"]
