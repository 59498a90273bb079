"""The screen snapshots' account: every emulator-made id replaced, alike on every moto release."""

from __future__ import annotations

import json

from graph.sources import LoadedSource
from graph.sources.snapshot_file import snapshot_from_json, snapshot_to_json

from .masked import masked, stable_ids


def test_no_generated_value_survives(demo_loaded: LoadedSource, demo_masked: LoadedSource) -> None:
    text = json.dumps(snapshot_to_json(demo_masked.snapshot))
    generated = stable_ids(demo_loaded.snapshot)
    assert generated, "the demo has instances whose ids are generated"
    assert not [value for value in generated if value in text]
    ids = sorted(i.instance_id for i in demo_masked.snapshot.instances)
    assert ids == [f"i-{n:017x}" for n in range(1, len(ids) + 1)]


def test_another_emulator_release_gives_the_same_account(demo_loaded: LoadedSource) -> None:
    # What a new moto does: the same instances under other generated ids.
    text = json.dumps(snapshot_to_json(demo_loaded.snapshot))
    for instance in demo_loaded.snapshot.instances:
        text = text.replace(instance.instance_id, "i-" + instance.instance_id[:1:-1])
    other = LoadedSource(demo_loaded.spec, snapshot_from_json(json.loads(text)))
    assert other.snapshot != demo_loaded.snapshot
    assert masked(other).snapshot == masked(demo_loaded).snapshot
