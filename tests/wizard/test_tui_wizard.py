"""The wizard in Pilot: from the first step to a role created in the demo account."""

from __future__ import annotations

import json

import pyperclip
import pytest
from textual.app import App
from textual.widgets import Button, Input, SelectionList, Static, TextArea

from graph.access import build_access_graph
from graph.sources import SourceSpec, open_source
from graph.wizard import ApplyResult
from tui.wizard.screen import RoleWizardScreen


class Host(App[None]):
    """Stands in for the app: pushes the wizard and counts reloads."""

    def __init__(self, loaded) -> None:
        super().__init__()
        self.loaded = loaded
        self.reloads = 0
        self.shown: str | None = None
        self.result: ApplyResult | None = None

    def on_mount(self) -> None:
        graph = build_access_graph(self.loaded.snapshot, assumed={"aws:SecureTransport": "true"})
        self.push_screen(RoleWizardScreen(self.loaded.snapshot, graph, self.loaded.connection),
                         self._done)

    def _done(self, result: ApplyResult | None) -> None:
        self.result = result

    def action_reload_and_show(self, role_arn: str) -> None:
        self.reloads += 1
        self.shown = role_arn


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def press(pilot, selector: str) -> None:
    """Let pending value changes settle, click, and let the handlers run. Toasts are
    cleared first: one left from an earlier step (e.g. "copied") can sit over the button.
    A Button ignores clicks while its 0.2 s press effect shows, as it would a person's
    double click, so a second click on the same button waits for the effect to end."""
    await pilot.pause()
    pilot.app.clear_notifications()
    button = pilot.app.screen.query_one(selector)
    while button.has_class("-active"):
        await pilot.pause(0.05)
    await pilot.pause()
    await pilot.click(selector)
    await pilot.pause()


@pytest.fixture(scope="module")
def demo():
    return open_source(SourceSpec(demo=True))


async def test_wizard_from_start_to_created_role(demo, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_desktop_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("headless")

    monkeypatch.setattr(pyperclip, "copy", no_desktop_clipboard)
    app = Host(demo)
    ids = {i.name: i.instance_id for i in demo.snapshot.instances}
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RoleWizardScreen)
        assert "step 1 of 6: Trusted entities" in text(screen, "#wizard-title")

        # Step 1: ec2 is preselected; search and add lambda, then clear the filter.
        screen.query_one("#service-filter", Input).value = "lambda"
        await pilot.pause()
        services = screen.query_one("#services", SelectionList)
        assert services.option_count == 1
        services.select("lambda.amazonaws.com")
        await pilot.pause()
        screen.query_one("#service-filter", Input).value = ""
        await pilot.pause()
        assert set(services.selected) == {"ec2.amazonaws.com", "lambda.amazonaws.com"}
        await press(pilot, "#next")

        # Step 2: read acme-app-logs under reports/ (the list and read tasks are preselected).
        assert "step 2 of 6" in text(screen, "#wizard-title")
        assert "GetObject, GetObjectVersion" in text(screen, "#level-actions")
        screen.query_one("#buckets", SelectionList).select("acme-app-logs")
        screen.query_one("#prefix", Input).value = "reports/"
        await press(pilot, "#add-grant")
        assert "list,read:acme-app-logs/reports/" in text(screen, "#grants")
        await press(pilot, "#next")
        await press(pilot, "#next")  # step 3: no boundary

        # Step 4: the name is validated before Next (empty, then taken, then fine).
        assert "step 4 of 6" in text(screen, "#wizard-title")
        await press(pilot, "#next")
        assert "role name must be 1-64" in text(screen, "#wizard-errors")
        assert "step 4 of 6" in text(screen, "#wizard-title")
        screen.query_one("#name", Input).value = "Web-Server"
        await press(pilot, "#next")
        assert "'web-server' already exists" in text(screen, "#wizard-errors")
        screen.query_one("#name", Input).value = "reports-reader"
        screen.query_one("#tags", Input).value = "team=data"
        await press(pilot, "#next")

        # Step 5: documents, findings, what-if for the bastion (no role today).
        assert "step 5 of 6: Review" in text(screen, "#wizard-title")
        trust = json.loads(screen.query_one("#trust-json", TextArea).text)
        assert trust["Statement"][0]["Principal"]["Service"] == [
            "ec2.amazonaws.com", "lambda.amazonaws.com"]
        policy = json.loads(screen.query_one("#policy-json", TextArea).text)
        assert "arn:aws:s3:::acme-app-logs/reports/*" in json.dumps(policy)
        screen.query_one("#instances", SelectionList).select(ids["bastion"])
        await press(pilot, "#preview")
        await app.workers.wait_for_complete()
        await pilot.pause()
        preview = text(screen, "#whatif")
        assert f"bastion ({ids['bastion']}): 0 -> 2 bucket(s)" in preview
        assert "acme-app-logs" in preview and "public exposure unchanged" in preview
        await press(pilot, "#copy-trust")
        assert json.loads(app.clipboard) == trust
        await press(pilot, "#next")

        # Step 6: the plan, then Create needs a confirming second press.
        assert "step 6 of 6" in text(screen, "#wizard-title")
        calls = text(screen, "#calls")
        assert "1. iam:create_role(RoleName=reports-reader" in calls
        assert "ec2:replace_iam_instance_profile_association" not in calls
        assert "ec2:associate_iam_instance_profile" in calls
        await press(pilot, "#create")
        assert str(screen.query_one("#create", Button).label) == "Press again to create"
        await press(pilot, "#create")
        await app.workers.wait_for_complete()
        # The worker's result comes back as a message; give the wizard time to handle it.
        for _ in range(50):
            if app.result is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause()

        shown = text(screen, "#wizard-errors") if app.result is None else ""
    assert app.result is not None and app.result.ok, (app.result, shown)
    assert app.result.role_arn == "arn:aws:iam::123456789012:role/reports-reader"
    assert app.reloads == 1
    assert app.shown == app.result.role_arn  # the app opens the new role's paths after reload
    reloaded = demo.reload().snapshot
    assert "reports-reader" in reloaded.role_by_name
    profile = "arn:aws:iam::123456789012:instance-profile/reports-reader"
    assert reloaded.instance_by_id[ids["bastion"]].instance_profile_arn == profile


class SnapshotOnly:
    """A saved snapshot: no connection, so the wizard can export but not create."""

    def __init__(self) -> None:
        from .test_whatif import SNAP

        self.snapshot = SNAP
        self.connection = None


async def test_without_a_connection_create_is_off_and_export_writes_a_file(tmp_path) -> None:
    import hcl2
    from textual.widgets import Select

    app = Host(SnapshotOnly())
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        await pilot.pause()
        screen = app.screen
        await press(pilot, "#next")
        screen.query_one("#typed-buckets", Input).value = "bucket-a"
        await press(pilot, "#next")
        await press(pilot, "#next")
        screen.query_one("#name", Input).value = "reader-a"
        await press(pilot, "#next")
        await press(pilot, "#back")
        assert "step 4 of 6" in text(screen, "#wizard-title")
        await press(pilot, "#next")
        await press(pilot, "#next")
        assert screen.query_one("#create", Button).disabled
        assert "saved snapshot" in text(screen, "#result")
        screen.query_one("#format", Select).value = "terraform"
        target = tmp_path / "reader.tf"
        screen.query_one("#export-path", Input).value = str(target)
        screen.query_one("#save", Button).press()
        await pilot.pause()
    parsed = hcl2.loads(target.read_text())
    names = [name for block in parsed["resource"] for body in block.values() for name in body]
    assert '"reader_a"' in names and '"reader_a_s3"' in names
    assert app.result is None
