"""Risk at a glance (#22 item 6): coloured marks, ADMIN from the engine, roles other accounts
can assume, the Instances Risk column, the instance card's public IP and IMDS setting, and
who-can's instances grouped under their role."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from rich.color import Color
from textual.widgets import Markdown

from graph.access import build_access_graph
from graph.model import InlinePolicy, Role
from graph.sources import LoadedSource, SourceSpec
from graph.sources.demo_cast import PARTNER_ACCOUNT
from tui.app import RolemapApp
from tui.screens.details import DetailsScreen
from tui.screens.who_can import WhoCanScreen
from tui.views.rows import INSTANCE_COLUMNS, ROLE_COLUMNS, build_rows
from tui.widgets.access_tree import AccessTree

from .test_access_flows import instance_id, open_explorer, tree_labels

MakeApp = Callable[[], RolemapApp]


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _role(snapshot: Any, name: str, trust: dict[str, Any], policy: dict[str, Any],
          policy_name: str = "inline") -> Role:
    return Role(f"arn:aws:iam::{snapshot.account_id}:role/{name}", name, trust,
                inline_policies=(InlinePolicy(policy_name, policy),))


def with_roles(loaded: LoadedSource, *roles: Role) -> LoadedSource:
    snap = loaded.snapshot
    return dataclasses.replace(loaded, snapshot=dataclasses.replace(snap, roles=snap.roles + roles))


def app_on(loaded: LoadedSource) -> RolemapApp:
    def opener(spec: SourceSpec, progress: Any = None) -> LoadedSource:
        return loaded

    return RolemapApp(loaded.spec, opener=opener)


def cell(rows: Any, columns: Any, key: str, column: str) -> Any:
    index = [c.key for c in columns].index(column)
    return next(r for r in rows if r.key == key).values[index]


EC2_TRUST = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                  "Action": "sts:AssumeRole"})


def test_admin_is_the_engines_answer_and_roles_other_accounts_assume_are_marked(
        demo_loaded: LoadedSource) -> None:
    snap = demo_loaded.snapshot
    star = _role(snap, "star-everything", EC2_TRUST,
                 _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    # Named like the AWS policy, but grants one read: not administrator.
    named = _role(snap, "named-admin", EC2_TRUST,
                  _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
                  policy_name="AdministratorAccess")
    partner = _role(snap, "partner-etl", _doc({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}),
        _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    anyone = _role(snap, "open-door", _doc({"Effect": "Allow", "Principal": {"AWS": "*"},
                                            "Action": "sts:AssumeRole"}),
                   _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    loaded = with_roles(demo_loaded, star, named, partner, anyone)
    rows = build_rows(build_access_graph(loaded.snapshot), lambda *_: None).roles

    def risk(role: Role | str) -> str:
        arn = role.arn if isinstance(role, Role) else f"arn:aws:iam::{snap.account_id}:role/{role}"
        return str(cell(rows, ROLE_COLUMNS, arn, "risk"))

    assert risk(star) == "ADMIN"  # not also "s3:*": ADMIN says more
    assert risk("admin-box") == "ADMIN"  # a customer policy (AcmeAdministrator), not a name
    assert risk("legacy-reporting") == "s3:*"  # every S3 action, but not administrator
    assert risk(named) == "-"
    assert risk(partner) == "OTHER ACCOUNT"
    assert risk(anyone) == "OTHER ACCOUNT"
    assert cell(rows, ROLE_COLUMNS, partner.arn, "trusted") == f"account {PARTNER_ACCOUNT}"
    assert cell(rows, ROLE_COLUMNS, anyone.arn, "trusted") == "anyone"
    deployer = f"arn:aws:iam::{snap.account_id}:role/website-deployer"
    assert cell(rows, ROLE_COLUMNS, deployer, "trusted") == "role ci-runner"
    assert risk("website-deployer") == "-"  # assumed from this account only


def test_instances_risk_column(demo_loaded: LoadedSource) -> None:
    snap = demo_loaded.snapshot
    admin_profile = next(p.arn for p in snap.instance_profiles if p.name == "admin-box")
    bastion = next(i for i in snap.instances if i.name == "bastion")
    admin_host = dataclasses.replace(bastion, instance_id="i-0adm1n0000000000",
                                     name="admin-host", instance_profile_arn=admin_profile)
    loaded = dataclasses.replace(demo_loaded, snapshot=dataclasses.replace(
        snap, instances=snap.instances + (admin_host,)))
    rows = build_rows(build_access_graph(loaded.snapshot), lambda *_: None).instances

    def risk(name: str) -> str:
        inst = next(i for i in loaded.snapshot.instances if i.name == name)
        return str(cell(rows, INSTANCE_COLUMNS, inst.instance_id, "risk"))

    assert risk("legacy-reports") == "PUBLIC IMDSv1"  # public IP, IMDSv1, running
    assert risk("ci-runner-1") == "COULD GAIN"  # PassRole + RunInstances → admin-box
    assert risk("admin-host") == "ADMIN"
    assert risk("web-1") == "-"  # IMDSv2 required
    assert risk("bastion") == "-"


async def test_marks_are_coloured_in_the_tables(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.pause()
        table = explorer.table
        strip = table.render_line(table.cursor + 1)
        public = next(s for s in strip if s.text == "PUBLIC")
        assert public.style is not None and public.style.bgcolor == Color.parse("red")
        no_bpa = next(s for s in strip if s.text == "NO BPA")
        assert no_bpa.style is not None and no_bpa.style.color == Color.parse("red")
        explorer.jump_to(("instances", instance_id(app, "ci-runner-1")))
        await pilot.pause()
        strip = explorer.table.render_line(explorer.table.cursor + 1)
        gain = next(s for s in strip if s.text == "COULD GAIN")
        assert gain.style is not None and gain.style.color == Color.parse("yellow")
        explorer.jump_to(("findings", None))
        await pilot.pause()
        strip = explorer.table.render_line(explorer.table.cursor + 1)
        critical = next(s for s in strip if s.text == "critical")
        assert critical.style is not None and critical.style.bgcolor == Color.parse("red")


async def test_instance_card_shows_public_ip_and_imds(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        explorer = await open_explorer(app, pilot)
        legacy = app.workspace.snapshot.instance_by_id[instance_id(app, "legacy-reports")]
        explorer.jump_to(("instances", legacy.instance_id))
        await pilot.press("d")
        await pilot.pause()
        card = app.screen
        assert isinstance(card, DetailsScreen)
        text = card.query_one(Markdown).source
        assert legacy.public_ip and f"Public IP: {legacy.public_ip}" in text
        assert "IMDSv1 allowed (HttpTokens optional)" in text and "[PUBLIC IMDSv1]" in text
        assert "Instance risk:" in text and "SSRF" in text
        await pilot.press("escape")
        explorer.jump_to(("instances", instance_id(app, "web-1")))
        await pilot.press("d")
        await pilot.pause()
        text = app.screen.query_one(Markdown).source
        assert "IMDSv2 required" in text and "[PUBLIC IMDSv1]" not in text


async def test_who_can_groups_instances_under_their_role(demo_loaded: LoadedSource) -> None:
    """A bucket reached by many instances reads as one line per role, with how many of the
    role's instances reach it; opening the role lists them."""
    snap = demo_loaded.snapshot
    web_role = snap.role_by_name["web-server"]
    # Only instances in one VPC may read: some of web-server's instances reach, some not.
    web = next(i for i in snap.instances if i.name == "web-1")
    others = tuple(dataclasses.replace(web, instance_id=f"i-{n:017x}", name=f"web-x{n}",
                                       vpc_id="vpc-elsewhere") for n in range(60))
    vpc_only = InlinePolicy("vpc-only", _doc({
        "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::acme-build-artifacts/*",
        "Condition": {"StringEquals": {"aws:EC2InstanceSourceVPC": web.vpc_id}}}))
    role = dataclasses.replace(web_role, inline_policies=web_role.inline_policies + (vpc_only,))
    loaded = dataclasses.replace(demo_loaded, snapshot=dataclasses.replace(
        snap, instances=snap.instances + others,
        roles=tuple(role if r.arn == role.arn else r for r in snap.roles)))
    app = app_on(loaded)
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("buckets", "acme-build-artifacts"))
        await pilot.press("t")
        await pilot.pause()
        who = app.screen
        assert isinstance(who, WhoCanScreen)
        tree = who.query_one(AccessTree)
        instances = next(n for n in tree.root.children if str(n.label).startswith("Instances"))
        tree.open(instances)
        roles = [str(n.label) for n in instances.children]
        # web-1 and web-2 are in the VPC; the 60 others run as web-server elsewhere.
        assert any("web-server: 2 of 62 instances" in label for label in roles), roles
        labels = tree_labels(tree)
        assert sum("instance web-" in label for label in labels) == 2  # web-1, web-2
        # Many instances of one role: one line for the role, closed until asked.
        await pilot.press("escape")
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()
        tree = app.screen.query_one(AccessTree)
        instances = next(n for n in tree.root.children if str(n.label).startswith("Instances"))
        assert not instances.is_expanded  # 60+ instances: closed until asked
        tree.open(instances)
        roles = [str(n.label) for n in instances.children]
        assert any("web-server: 62 of 62 instances" in label for label in roles), roles
        assert len(roles) == 5  # one line per role, not one per instance


async def test_who_can_demo_roles_read_n_of_m(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        explorer = await open_explorer(app, pilot)
        explorer.jump_to(("buckets", "acme-public-website"))
        await pilot.press("t")
        await pilot.pause()
        tree = app.screen.query_one(AccessTree)
        labels = tree_labels(tree)
        web = labels.index(next(lb for lb in labels if "web-server: 2 of 2 instances" in lb))
        assert labels[web + 1].startswith("✔ allowed  instance web-1")
        # The role whose instance has an open door says so, and the instance is marked.
        legacy = next(lb for lb in labels if "legacy-reporting: 1 of 1 instance" in lb)
        assert "[PUBLIC IMDSv1]" in legacy and "1 with a public IP and IMDSv1" in legacy
        assert any(lb.startswith("✔ allowed  instance legacy-reports") and "[PUBLIC IMDSv1]"
                   in lb for lb in labels)
        ci = next(lb for lb in labels if lb.startswith("✔ allowed  role ci-runner"))
        assert "4 ✔ allowed" in ci and "ci-runner → website-deployer" in ci

