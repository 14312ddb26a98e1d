"""The optional agent frameworks: pinned exactly, locked on top of the workshop's lock."""

from __future__ import annotations

import re

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.test_install import LOCK, ROOT, lock_pins, pyproject

FRAMEWORKS_LOCK = ROOT / "requirements-frameworks.lock"


def frameworks_extra() -> list[Requirement]:
    return [Requirement(r) for r in pyproject()["project"]["optional-dependencies"]["frameworks"]]


def test_each_framework_is_pinned_exactly_and_locked_at_its_pin():
    pins = lock_pins(FRAMEWORKS_LOCK.read_text(encoding="utf-8"))
    extra = frameworks_extra()
    assert {canonicalize_name(r.name) for r in extra} == {
        "langchain-aws",
        "strands-agents",
        "litellm",
    }
    for requirement in extra:
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{requirement} is not an exact pin"
        assert pins[canonicalize_name(requirement.name)] == specifier.version


def test_the_frameworks_lock_keeps_every_version_of_the_workshop_lock():
    workshop = lock_pins(LOCK.read_text(encoding="utf-8"))
    frameworks = lock_pins(FRAMEWORKS_LOCK.read_text(encoding="utf-8"))
    moved = {n: (v, frameworks.get(n)) for n, v in workshop.items() if frameworks.get(n) != v}
    assert not moved, f"requirements-frameworks.lock moves locked packages: {moved}; make lock"


def test_make_test_frameworks_installs_the_extra_from_its_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test-frameworks:", makefile, re.M)
    assert "-c $(FRAMEWORKS_LOCK) -e '.[dev,frameworks]'" in makefile
    assert "FRAMEWORKS_LOCK  := requirements-frameworks.lock" in makefile
    # `make lock` writes both locks, the second constrained by the first
    assert "--extra frameworks --constraint $(LOCK)" in makefile
