"""Names shared by the access tests: the fixture accounts and their account id."""

from __future__ import annotations

from pathlib import Path

ACCOUNTS = Path(__file__).resolve().parents[1] / "fixtures" / "accounts"
LAYERS = ACCOUNTS / "layers"
ACCT = "111111111111"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCT}:role/{name}"
