"""`make check-upstream`: the tests against the NEWEST moto, boto3 and botocore, and what broke.

The stand-in extends moto's internals and validates against botocore's models, so the project
pins moto and locks botocore. This script shows what the next upgrade would cost: it builds a
throw-away venv (build/upstream-venv, deleted afterwards unless --keep), installs the project's
dependencies there ignoring requirements.lock and the moto pin (newest of everything pyproject.toml
allows, and the newest moto[server], boto3 and botocore on PyPI), runs
tests/test_offline_moto_hooks.py (one test per moto internal the stand-in uses), then the suite,
and prints the versions tried, the moto internals that broke and the tests that failed.

The suite part runs `-m "not slow and not browser"` by default: the unit and stand-in tests, where
a moto or botocore change shows first and is named precisely (about 6 minutes on a busy 2-core
machine, about 1,050 tests); the slow tests re-run notebooks on the same stand-in and add time,
not diagnosis. --full runs every test.
tests/test_install.py is left out: it checks the venv against the lock, which this venv ignores
on purpose. --moto ==5.2.0 tries a given moto instead (--hooks-only: the hook test alone).
.venv and requirements.lock are never touched (checked at the end).
Exit status: 0 when nothing broke, 1 when something did, 2 when the venv could not be built.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: pytest's TOML reader, in the project's venv
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ("moto", "boto3", "botocore")
HOOKS = "tests/test_offline_moto_hooks.py"
FAST = "not slow and not browser"


def requirements(moto: str = "") -> list[str]:
    """pyproject.toml's dependencies and dev extra, with moto, boto3 and botocore unpinned (or
    moto at `moto`, a version specifier such as "==5.2.0")."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    kept = [r for r in listed if canonicalize_name(Requirement(r).name) not in UPSTREAM]
    return kept + [f"moto[server]{moto}", "boto3", "botocore"]


def locked_versions() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {
        name: version
        for name, version in re.findall(r"^([a-z0-9._-]+)==(\S+)", text, re.M)
        if name in UPSTREAM
    }


def fingerprint() -> str:
    """What must not change: the lock's bytes and the project venv's versions of the three."""
    digest = hashlib.sha256((ROOT / "requirements.lock").read_bytes())
    for dist in sorted((ROOT / ".venv").glob("lib/python*/site-packages/*.dist-info")):
        if dist.name.split("-")[0].lower() in UPSTREAM:
            digest.update(dist.name.encode())
    return digest.hexdigest()


def build_venv(venv: Path, moto: str) -> Path:
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--upgrade"]
    subprocess.run([*pip, "pip"], check=True)
    subprocess.run([*pip, *requirements(moto)], check=True)  # no constraints file
    # The project itself, editable and without its pins, so that notebook kernels started by the
    # tests import helpers from this work tree (only the git-ignored *.egg-info is written here).
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True, stderr=subprocess.DEVNULL)
    return python


def installed(python: Path) -> dict[str, str]:
    probe = f"import importlib.metadata as m; print(*(m.version(n) for n in {UPSTREAM!r}))"
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True)
    return dict(zip(UPSTREAM, out.stdout.split(), strict=True))


def junit_results(report: Path) -> tuple[list[str], int]:
    """(failed or errored test ids, tests run) from pytest's JUnit XML; skips do not count."""
    failed, ran = [], 0
    for case in ElementTree.parse(report).iter("testcase"):
        if case.find("skipped") is not None:
            continue
        ran += 1
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").replace(".", "/")
            failed.append(f"{module}.py::{case.get('name')}")
    return failed, ran


def run_pytest(python: Path, args: list[str], report: Path) -> tuple[list[str], int, float]:
    """(failed test ids, tests run, seconds) of one pytest run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    began = time.perf_counter()
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
    subprocess.run([*command, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - began
    if not report.exists():
        return ["(pytest did not run: collection or start-up failed)"], 0, seconds
    return (*junit_results(report), seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the throw-away venv")
    parser.add_argument("--full", action="store_true", help=f"every test, not -m '{FAST}'")
    parser.add_argument("--hooks-only", action="store_true", help="the moto hook test alone")
    parser.add_argument(
        "--moto", default="", help="a moto version specifier instead of the newest, e.g. ==5.2.0"
    )
    parser.add_argument("--venv", type=Path, default=ROOT / "build" / "upstream-venv")
    args = parser.parse_args()
    before = fingerprint()
    moto = f"moto[server]{args.moto}" if args.moto else "the newest moto[server]"
    print(f"building {args.venv} with {moto}, boto3 and botocore ...", flush=True)
    try:
        python = build_venv(args.venv, args.moto)
    except subprocess.CalledProcessError as error:
        print(f"check-upstream: the venv could not be built ({error})", file=sys.stderr)
        return 2
    try:
        tried, locked = installed(python), locked_versions()
        hooks_failed, hooks_ran, hooks_s = run_pytest(python, [HOOKS], args.venv / "hooks.xml")
        selection = [] if args.full else ["-m", FAST]
        suite = None
        if not args.hooks_only:
            suite = run_pytest(
                python,
                [*selection, "--ignore", HOOKS, "--ignore", "tests/test_install.py"],
                args.venv / "suite.xml",
            )
    finally:
        if not args.keep:
            shutil.rmtree(args.venv, ignore_errors=True)
    assert fingerprint() == before, ".venv or requirements.lock changed: this is a bug"

    print("\ncheck-upstream report")
    print(f"  {'package':<10}{'locked':<12}tried")
    for name in UPSTREAM:
        changed = "" if tried[name] == locked.get(name) else "  (not the locked one)"
        print(f"  {name:<10}{locked.get(name, '?'):<12}{tried[name]}{changed}")
    if all(tried[name] == locked.get(name) for name in UPSTREAM):
        print("  (the versions tried are the locked ones: nothing newer on PyPI yet)")
    # test_moto_internal[<internal>] names the internal; any other test is named as it is
    broke = [re.sub(r"^.*\[(.*)\]$|^.*::", r"\1", t) for t in hooks_failed]
    print(
        f"  moto internals ({HOOKS}, {hooks_s:.0f} s): {hooks_ran} checked, {len(broke)} broke"
        + "".join(f"\n    {b}" for b in broke)
    )
    if suite:
        suite_failed, suite_ran, suite_s = suite
        which = "every test" if args.full else f'-m "{FAST}"'
        print(
            f"  suite ({which}, {suite_s:.0f} s): {suite_ran} ran, {len(suite_failed)} failed"
            + "".join(f"\n    {t}" for t in suite_failed)
        )
    if args.keep:
        print(f"  venv kept: {args.venv}")
    return 1 if hooks_failed or (suite and suite[0]) else 0


if __name__ == "__main__":
    sys.exit(main())
