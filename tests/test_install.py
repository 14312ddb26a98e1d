"""The locked install: requirements.lock, the venv, environment.yml and pyproject.toml agree."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: pytest's own TOML reader, locked for 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def lock_pins(text: str) -> dict[str, str]:
    """{name: version} of every lock line whose marker holds for this interpreter and OS."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", requirement.strip())
        assert match, f"requirements.lock: {line!r} is not an exact pin (name==version)"
        name = canonicalize_name(match[1])
        assert name not in pins, f"requirements.lock pins {name} twice for this Python"
        pins[name] = match[2]
    return pins


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def direct_dependencies() -> list[Requirement]:
    project = pyproject()["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(r) for r in listed]


def test_lock_parser_keeps_this_platform_only_and_refuses_ranges():
    pins = lock_pins(
        "numpy==1.0 ; python_version < '3'\nnumpy==2.0\nappnope==1 ; sys_platform == 'nowhere'\n"
        "moto[server]==5.2.5\n    # via x\n"
    )
    assert pins == {"numpy": "2.0", "moto": "5.2.5"}
    try:
        lock_pins("boto3>=1.35\n")
    except AssertionError as error:
        assert "not an exact pin" in str(error)
    else:
        raise AssertionError("a range in the lock went unnoticed")


def test_every_direct_dependency_is_locked_within_its_range():
    pins = lock_pins(LOCK.read_text(encoding="utf-8"))
    for requirement in direct_dependencies():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock: make lock"
        assert requirement.specifier.contains(Version(pins[name]), prereleases=True), (
            f"requirements.lock has {name}=={pins[name]}, outside pyproject.toml's "
            f"{requirement.specifier}: make lock"
        )


def test_the_installed_versions_are_the_locked_ones():
    pins = lock_pins(LOCK.read_text(encoding="utf-8"))
    wrong = {}
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            wrong[name] = f"{installed} installed, {version} locked"
    assert not wrong, f"run `make setup` (the venv is not the lock): {wrong}"


def test_environment_yml_installs_from_the_lock():
    """conda brings Python and pip; pip installs the project with the lock as constraints."""
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    entries = [m.strip() for m in re.findall(r"^\s*- (.+)$", text, re.M)]
    python = next(e for e in entries if e.startswith("python="))
    version = Version(python.split("=", 1)[1])
    assert SpecifierSet(pyproject()["project"]["requires-python"]).contains(version)
    assert "-c requirements.lock" in entries and "-e .[dev]" in entries
    # Any other package conda or pip is told about would bypass the lock.
    allowed = {"conda-forge", python, "pip", "pip:", "-c requirements.lock", "-e .[dev]"}
    assert set(entries) == allowed


def test_the_licence_is_an_spdx_string_so_setuptools_prints_no_deprecation():
    """A `license = {text = ...}` table or a `License ::` classifier makes setuptools (>= 77)
    print a deprecation banner at every install."""
    config = pyproject()
    assert isinstance(config["project"]["license"], str)
    assert not [c for c in config["project"].get("classifiers", []) if c.startswith("License ::")]
    setuptools = next(
        Requirement(r) for r in config["build-system"]["requires"] if r.startswith("setuptools")
    )
    assert not setuptools.specifier.contains("76.9"), "setuptools >= 77 reads SPDX licences"
