"""Other accounts are read once per process, not once per account analysed (issue 28): an
organisation's run analyses every account, and each reads the data accounts admitting it.
The answers are those of reading every account afresh."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from graph.access.query.graph import AccessGraph
from graph.org.analysis import analyse_account
from graph.org.extracts import Extracts, extract
from graph.org.index import build_index
from graph.sources.org.folder import open_org_folder, save_org_folder

from .scenario import DATA, MGMT, WORK, scenario


def _answers(g: AccessGraph) -> list[object]:
    return sorted((b.bucket, b.via, sorted((k, a.outcome.value) for k, a in b.actions.items()))
                  for i in g.snapshot.instances
                  for b in g.reachable_from_instance(i.instance_id, include_denied=True))


def test_each_other_account_is_read_once_with_the_same_answers() -> None:
    source = scenario()
    index = build_index(source)
    order = (WORK, MGMT, DATA)
    fresh = {a: _answers(analyse_account(source, index, a)) for a in order}
    read_fresh = list(source.reads)
    source.reads.clear()
    extracts = Extracts(source)
    kept = {a: _answers(analyse_account(source, index, a, extracts=extracts)) for a in order}
    assert kept == fresh
    assert any(fresh.values())
    # Each analysis reads its own account; the others come from the extracts, each read once.
    foreign = list(source.reads)
    for home in order:
        foreign.remove(home)
    assert sorted(foreign) == sorted(set(foreign)) and extracts.reads == len(foreign) > 0
    assert len(source.reads) < len(read_fresh)


def test_a_bound_of_one_account_rereads_but_answers_the_same() -> None:
    source = scenario()
    index = build_index(source)
    fresh = _answers(analyse_account(source, index, MGMT))
    tiny = Extracts(source, limit=1)
    assert _answers(analyse_account(source, index, MGMT, extracts=tiny)) == fresh
    assert _answers(analyse_account(source, index, MGMT, extracts=tiny)) == fresh
    assert len(tiny._kept) == 1  # never more than one held over the bound


def test_an_extract_drops_the_instances_and_is_reread_when_the_file_changes(
        tmp_path: Path) -> None:
    org = scenario()
    folder = save_org_folder(tmp_path / "org", org.tree, org.snapshots.values(), (), {})
    extracts = Extracts(folder)
    first = extracts.get(WORK)
    assert first.instances == () and first.roles == org.snapshots[WORK].roles
    assert extracts.get(WORK) is first and extracts.reads == 1
    changed = dataclasses.replace(org.snapshots[WORK], roles=org.snapshots[WORK].roles[:1])
    save_org_folder(tmp_path / "org", org.tree, [*(s for a, s in org.snapshots.items()
                                                 if a != WORK), changed], (), {})
    again = Extracts(open_org_folder(tmp_path / "org"))
    assert again.get(WORK).roles == changed.roles
    # The same Extracts sees the new file too (its size and time changed).
    assert extracts.get(WORK).roles == changed.roles and extracts.reads == 2
    assert extract(changed).buckets == changed.buckets
