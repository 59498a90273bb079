"""How a finding and an escalation path read in the evidence panel: what, why (the deciding
statements, highlighted as JSON), and how to fix it."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from graph.findings import Escalation, Finding, Severity
from graph.policy import Outcome, StatementRef

SEVERITY_STYLE = {Severity.CRITICAL: "bold white on red", Severity.HIGH: "bold red",
                  Severity.MEDIUM: "bold yellow", Severity.LOW: "cyan", Severity.INFO: "dim"}


def severity_text(severity: Severity) -> Text:
    return Text(f" {severity.value} ", style=SEVERITY_STYLE[severity])


def _statements(refs: tuple[StatementRef, ...]) -> list[RenderableType]:
    parts: list[RenderableType] = []
    if refs:
        parts.append(Text("\nDeciding statements", style="bold underline"))
    for ref in refs:
        parts.append(Text(f"{ref.label} — {ref.effect}", style="bold"))
        statement = json.dumps(ref.statement, indent=2, default=str)
        parts.append(Syntax(statement, "json", theme="ansi_dark", word_wrap=True))
    return parts


def render_finding(finding: Finding) -> RenderableType:
    head = Text()
    head.append_text(severity_text(finding.severity))
    head.append(f" {finding.category}\n", style="bold")
    head.append(finding.title)
    parts: list[RenderableType] = [head]
    if finding.detail:
        parts.append(Text(""))
        parts.extend(Text(f"• {line}") for line in finding.detail)
    parts.extend(_statements(finding.evidence))
    parts.append(Text("\nFix", style="bold underline"))
    parts.append(Text(finding.fix))
    parts.append(Text(f"\nid {finding.id}", style="dim"))
    return Group(*parts)


def render_escalation(e: Escalation) -> RenderableType:
    """An escalation path: "could gain", never "allowed"; each step with its statements."""
    head = Text(f"{e.label}\n", style="bold")
    head.append("could gain — not allowed now: the role would have to take these steps\n",
                style="yellow")
    head.append(f"gains: {e.gains_text}")
    parts: list[RenderableType] = [head, Text("\nSteps", style="bold underline")]
    for step in e.steps:
        state = "" if step.outcome is Outcome.ALLOWED else f" ({step.outcome.value})"
        parts.append(Text(f"• {step.action} on {step.resource}{state}"))
        parts.extend(Text(f"    only if {c}", style="yellow") for c in step.conditions)
    if e.gains:
        parts.append(Text("\nWould add", style="bold underline"))
        for bucket, actions in sorted(e.gains.items())[:20]:
            names = sorted(actions)
            shown = ", ".join(names[:6]) + (f" … +{len(names) - 6}" if len(names) > 6 else "")
            parts.append(Text(f"• {bucket}: {shown}"))
    parts.extend(_statements(e.evidence))
    return Group(*parts)
