"""Record the SHA-256 of every export form into tests/access/export_digests.json.

    python tests/access/record_export_digests.py               # every case
    python tests/access/record_export_digests.py --refresh-demo   # also re-make the demo file

Run this ONLY when a change of answers is intended (a new column, a fixed decision, a new
finding), and say in the commit which answers changed and why. A refactor, a speed-up or a
restructure must leave `tests/access/test_exports_unchanged.py` green without it: that test
exists to prove such changes give byte-identical exports.

--refresh-demo rebuilds tests/fixtures/demo-stable.json from the built-in demo account (moto),
with the emulator's ids replaced by stable ones (tests/tui/masked.py) and a fixed capture time.
Only needed when the demo account itself is meant to change.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS.parent), str(TESTS)]

from access import export_goldens as goldens  # noqa: E402

CAPTURED = "2026-01-01T00:00:00+00:00"


def refresh_demo() -> None:
    from graph.sources import SourceSpec, open_source
    from graph.sources.demo_cache import CACHE_ENV
    from graph.sources.snapshot_file import save_snapshot

    # tests/tui/masked.py by its path: the name `tui` is the app's package.
    spec = importlib.util.spec_from_file_location("masked", TESTS / "tui" / "masked.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory(prefix="rolemap-demo-") as cache:
        os.environ[CACHE_ENV] = cache  # built here, not in (nor from) the user's cache
        loaded = module.masked(open_source(SourceSpec(demo=True)))
    save_snapshot(dataclasses.replace(loaded.snapshot, taken_at=CAPTURED), goldens.DEMO)
    print(f"wrote {goldens.DEMO}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh-demo", action="store_true",
                        help="rebuild the stable-id demo snapshot file first")
    args = parser.parse_args()
    if args.refresh_demo:
        refresh_demo()
    digests: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="rolemap-goldens-") as tmp:
        for case in goldens.cases():
            start = time.perf_counter()
            digests[goldens.key(case)] = goldens.run(case, Path(tmp))
            print(f"{goldens.key(case)}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    text = json.dumps({"about": "SHA-256 of each export, generation time masked; written by "
                                "tests/access/record_export_digests.py (see its docstring)",
                       "digests": digests}, indent=1, sort_keys=True) + "\n"
    goldens.DIGESTS.write_text(text, encoding="utf-8")
    print(f"recorded {len(digests)} cases in {goldens.DIGESTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
