"""`rolemap simulate CASES.json`: decide every case and compare with its expected verdict."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from graph.policy.cases import load_cases, run_case
from tui.commands.path_arg import path_arg


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate", help="evaluate IAM decision cases (shared case format)",
        description="Evaluate every case; exit 0 when all expected verdicts agree, 1 if one "
                    "does not, 2 on bad input.",
    )
    parser.add_argument("cases", type=path_arg, help="case file (JSON, shared case format)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (default): one line per case; json: results and a summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cases = load_cases(args.cases)
    results: list[dict[str, Any]] = []
    agree = disagree = unchecked = 0
    for case in cases:
        decision = run_case(case)
        row: dict[str, Any] = {
            "id": case.id,
            "decision": decision.verdict.value,
            # Which of AWS's rules applied: an IAM user's differ from a role's.
            "principal_type": case.request.principal_type,
            "reasons": list(decision.reasons),
        }
        if decision.blocked_by is not None and not decision.allowed:
            row["blocked_by"] = decision.blocked_by.value
        if case.expected is not None:
            row["expected"] = case.expected
            row["agrees"] = case.expected == decision.verdict.value
            agree += row["agrees"]
            disagree += not row["agrees"]
        else:
            unchecked += 1
        results.append(row)
    summary = {"total": len(cases), "agree": agree, "disagree": disagree,
               "unchecked": unchecked}
    if args.format == "json":
        json.dump({"results": results, "summary": summary}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for row in results:
            mark = {True: "ok  ", False: "FAIL"}.get(row.get("agrees"), "    ")
            expected = f" (expected {row['expected']})" if row.get("agrees") is False else ""
            print(f"{mark} {row['id']}: {row['decision']}{expected}")
            for reason in row["reasons"]:
                print(f"       {reason}")
        print(f"{agree} agree, {disagree} disagree, {unchecked} without expected")
    return 1 if disagree else 0
