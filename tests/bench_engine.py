"""Print the policy engine's decisions per second (the README figure), without pytest.

Run: python tests/bench_engine.py [--requests N] [--rounds R]
Workload (tests/policy/bench_workload.py): a role with 20 statements against a bucket policy
with 10 statements, distinct requests mixing actions, keys and contexts; one core.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from policy.bench_workload import decisions_per_second, requests  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rate = decisions_per_second(requests(args.requests), rounds=args.rounds)
    print(f"{rate:,.0f} decisions/s (role: 20 statements, bucket policy: 10 statements, "
          f"{args.requests:,} distinct requests, best of {args.rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
