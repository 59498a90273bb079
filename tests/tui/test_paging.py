"""Large answers open a page at a time: the first 100 nodes, then "… N more" opens the rest.

A synthetic export folder stands in for a big account (many instances on few roles, many
buckets); the app opens it through the same snapshot path a user's `--snapshot` takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.sources import SourceSpec, open_source
from graph.sources.synth import write_synthetic
from tui.app import RolemapApp
from tui.screens.explorer import ExplorerScreen
from tui.screens.trace import TraceScreen
from tui.screens.who_can import WhoCanScreen
from tui.widgets.access_tree import PAGE, AccessTree


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 600 instances: some have no network path to a bucket's region (decide/network.py), and
    # a role must still reach one bucket from more than a page of them.
    return write_synthetic(tmp_path_factory.mktemp("big") / "acct", roles=12, instances=600,
                           buckets=260, seed=5)


def _app(folder: Path) -> RolemapApp:
    spec = SourceSpec(snapshot=str(folder))
    loaded = open_source(spec)
    return RolemapApp(spec, opener=lambda s, progress=None: loaded)


async def _press_t(app: RolemapApp, pilot, target: tuple[str, str],  # type: ignore[no-untyped-def]
                   view: type[TraceScreen | WhoCanScreen]) -> AccessTree:
    """Select `target` in the explorer, press `t`, and return the opened view's tree."""
    explorer = app.screen
    assert isinstance(explorer, ExplorerScreen)
    explorer.jump_to(target)
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(app.screen, view)
    return app.screen.query_one(AccessTree)


def _labels(node) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(child.label) for child in node.children]


def _every_page(tree: AccessTree, node) -> list[str]:  # type: ignore[no-untyped-def]
    """Labels under `node`, opening each "… N more" node as a user would, page by page."""
    labels: list[str] = []
    while True:
        children = list(node.children)
        more = children[-1] if children and str(children[-1].label).startswith("… ") else None
        labels += [str(c.label) for c in children if c is not more]
        if more is None:
            return labels
        tree.open(more)
        node = more


async def test_who_can_pages_a_large_group_of_instances(big: Path) -> None:
    app = _app(big)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplorerScreen) and app.workspace is not None
        graph = app.workspace.graph
        counts = {b.name: sum(p.kind == "instance" for p in graph.who_can(b.name))
                  for b in app.workspace.snapshot.buckets}
        bucket, reached = max(counts.items(), key=lambda item: item[1])
        assert reached > PAGE, "the synthetic account should have a widely reached bucket"
        tree = await _press_t(app, pilot, ("buckets", bucket), WhoCanScreen)
        group = next(n for n in tree.root.children if str(n.label).startswith("Instances"))
        assert f"({reached})" in str(group.label)
        tree.open(group)
        # One line per role the instances run as ("role: N of M instances"), adding up.
        roles = {n: int(str(n.label).split(": ", 1)[1].split(" of ")[0])
                 for n in group.children}
        assert sum(roles.values()) == reached and len(roles) < reached
        node, members = max(roles.items(), key=lambda item: item[1])
        assert members > PAGE, "the synthetic account should have a role on many instances"
        tree.open(node)
        shown = _labels(node)
        assert len(shown) == PAGE + 1 and shown[-1] == f"… {members - PAGE} more"
        names = [label.split("  ")[1] for label in shown[:-1]]
        assert names == sorted(names)  # sorted by name within the group
        every = _every_page(tree, node)
        assert len(every) == members and every[:PAGE] == shown[:-1]
        ids = [label.split("(")[1].split(")")[0] for label in every]
        assert len(set(ids)) == members  # each instance once, none lost between pages


async def test_trace_pages_buckets_of_a_role_reaching_many(big: Path) -> None:
    app = _app(big)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.workspace is not None
        graph = app.workspace.graph
        reach = {i.instance_id: len({a.bucket for a in graph.reachable_from_instance(
            i.instance_id, include_denied=True)}) for i in app.workspace.snapshot.instances}
        instance, buckets = max(reach.items(), key=lambda item: item[1])
        if buckets <= PAGE:
            pytest.skip("no instance reaches more than a page of buckets in this account")
        tree = await _press_t(app, pilot, ("instances", instance), TraceScreen)
        heading = next(n for n in tree.root.children if str(n.label).startswith("buckets"))
        shown = _labels(heading)
        assert len(shown) == PAGE + 1 and shown[-1] == f"… {buckets - PAGE} more bucket(s)"
        every = _every_page(tree, heading)
        assert len(every) == buckets and len({label.split("  ")[0] for label in every}) == buckets
