"""requirements.lock: what the suite is green with, and what the README installs through.

A fresh clone must get exactly the versions the suite last passed with (a new moto once
turned five tests red overnight), while pyproject.toml keeps ranges for people installing
the package. So the lock must satisfy those ranges, pin everything, and be what is installed.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)==([^\s;#]+)\s*(?:;\s*([^#]+?))?\s*(?:#.*)?$")


def locked() -> list[tuple[str, str, str | None]]:
    """Each pin: package, version and the environment marker it applies under (a package can
    be pinned once per Python version range)."""
    pins: list[tuple[str, str, str | None]] = []
    for number, line in enumerate(LOCK.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.match(line)
        assert match, f"requirements.lock:{number}: not an exact pin: {line!r}"
        pins.append((canonicalize_name(match.group(1)), match.group(2), match.group(3)))
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        texts.extend(extra)
    # An extra that pulls another of ours ("rolemap[org]") is not a package to lock: the
    # packages of that extra are checked where it is declared.
    own = canonicalize_name(project["name"])
    return [r for r in map(Requirement, texts) if canonicalize_name(r.name) != own]


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_the_lock_satisfies_pyproject(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    versions = [v for n, v, _ in locked() if n == name]
    assert versions, f"{requirement} is declared but not locked: run .ci/refresh-lock"
    for pinned in versions:
        assert requirement.specifier.contains(pinned, prereleases=True), (
            f"requirements.lock pins {requirement.name}=={pinned}, outside {requirement}"
        )


def test_behaviour_changing_dependencies_have_upper_bounds() -> None:
    # textual changes rendering between minor releases, moto its generated ids and the IAM
    # checks it emulates between patch releases: a user's install must not drift past them.
    bounded = {canonicalize_name(r.name): r for r in declared()}
    for name in ("textual", "moto"):
        assert any(s.operator in ("<", "<=", "==", "~=") for s in bounded[name].specifier), name


@pytest.mark.skipif(os.environ.get("ROLEMAP_NEWEST") == "1",
                    reason="the drift check (.ci/newest) installs without the lock on purpose")
def test_what_is_installed_is_what_is_locked() -> None:
    # The README's commands and .ci/run install through the lock: the packages this suite
    # runs with are exactly its pins (those whose marker applies here).
    from packaging.markers import Marker

    drift = []
    for name, pinned, marker in locked():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # an extra this environment did not install (e.g. bench)
        if installed != pinned:
            drift.append(f"{name} {installed} (locked {pinned})")
    assert not drift, "installed without the lock: " + ", ".join(drift)


def test_the_readme_and_ci_install_through_the_lock() -> None:
    readme = (ROOT / "README.md").read_text()
    installs = re.findall(r"pip install [^\n`]*-e '?\.", readme)
    assert installs and all("-c requirements.lock" in line for line in installs), installs
    assert "-c requirements.lock -e '.[test]'" in (ROOT / ".ci" / "run").read_text()
