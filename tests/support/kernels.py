"""Test support: notebook kernels forked from a process that has already imported the libraries.

Every notebook the tests execute needs a kernel, and a kernel started the usual way spends
about two seconds of CPU before the first cell: starting Python and ipykernel, then importing
pandas, matplotlib and boto3 in the first cell. The suite starts well over a hundred kernels,
so that start-up was the largest share of ``make test``.

Here each test process keeps one multiprocessing *forkserver* that imports those libraries once
(``PRELOAD``). A kernel is a fresh fork of it: a new process with an empty namespace, its own
environment, working directory and ``sys.path`` as ``python -m ipykernel_launcher`` would have
them, and ``tests/support/kernel/sitecustomize.py`` run as Python's ``site`` would run it. The
workshop's own ``helpers`` package is never preloaded, so every notebook still imports it from
scratch, as it does from a fresh kernel in JupyterLab. What a notebook forgets to import still
fails (its namespace is empty). ``make run``, nbval and the browser tests keep ordinary kernels,
so a difference between the two kinds of start would show there.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import signal
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

# imported once by the forkserver; never anything from this project
PRELOAD = [
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # debugpy: ~0.6 s of every kernel's start
    "numpy",
    "pandas",
    "pandas.io.formats.style",  # the Styler compiles its jinja2 templates when imported
    "pyarrow",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "matplotlib_inline.backend_inline",
    "boto3",
    "botocore.session",
    "dateutil.relativedelta",
    "psutil",
    "duckdb",
]
# Not ipywidgets (nor tqdm.auto, which imports it): imported where no kernel exists, it would
# not register its comm target with the kernel that later imports it.
# how a kernel draws: what ipykernel sets before the notebook imports matplotlib. matplotlib
# reads it when imported, so the forkserver imports it with the same value.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# set in the forkserver's environment only while it starts; each kernel gets its own
STARTUP_ONLY = ("WORKSHOP_CALL_LOG", "WORKSHOP_ENDPOINT_URL", "WORKSHOP_HEADLESS")

_context: Any = None


def _forkserver():
    """The process's forkserver context, started with the preloads on first use."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        with mock.patch.dict(os.environ):  # the environment as it was, afterwards
            for name in STARTUP_ONLY:
                os.environ.pop(name, None)
            os.environ["MPLBACKEND"] = INLINE_BACKEND
            from multiprocessing import forkserver

            forkserver.ensure_running()
        _context = context
    return _context


@cache
def kernel_sys_path(python: str, cwd: str) -> list[str]:
    """``sys.path`` of ``python -m ipykernel_launcher`` started in ``cwd`` (the launcher drops
    the working directory; IPython adds it back as '')."""
    probe = "import sys; print(repr(sys.path[1:]))"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [python, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout
    return list(eval(out))  # a repr of a list of str, from our own interpreter


def _run_kernel(argv: list[str], env: dict[str, str], cwd: str, path: list[str]) -> None:
    """In the forked child: become ``python -m ipykernel_launcher ARGV`` started in ``cwd``."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = extra + path
    sys.argv = ["ipykernel_launcher", *argv]
    # ipykernel reads JPY_PARENT_PID when it is imported, which the forkserver did before
    # this kernel's environment existed
    parent = env.get("JPY_PARENT_PID")
    if parent:
        sys.argv.append(f"--IPKernelApp.parent_handle={parent}")
    os.setsid()  # its own process group, as jupyter_client starts kernels
    for name in [m for m in sys.modules if m == "tests" or m.startswith("tests.")]:
        del sys.modules[name]  # this module came in to run this function; a kernel has none
    for folder in extra:
        # what site does at start-up: run the first sitecustomize.py on the path
        candidate = Path(folder) / "sitecustomize.py"
        if candidate.is_file():
            runpy.run_path(str(candidate), run_name="sitecustomize")
            break
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


class ForkedKernel:
    """The subprocess.Popen calls jupyter_client's provisioner makes, on a forked process."""

    def __init__(self, process) -> None:
        self._process = process
        self.pid = process.pid
        self.stdin = self.stdout = self.stderr = None

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        self._process.join(timeout)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start_kernel(cmd: list[str], env: dict[str, str], cwd: str) -> ForkedKernel:
    """Fork a kernel for the ``python -m ipykernel_launcher ...`` command jupyter_client built."""
    launcher = cmd.index("ipykernel_launcher")
    if cmd[launcher - 1] != "-m":
        raise ValueError(f"not an ipykernel command: {cmd}")
    path = kernel_sys_path(cmd[0], cwd)
    process = _forkserver().Process(
        target=_run_kernel, args=(cmd[launcher + 1 :], env, cwd, path), daemon=True
    )
    from multiprocessing import spawn

    prepare = spawn.get_preparation_data

    def without_main(name: str) -> dict:
        # multiprocessing would re-import the test runner's __main__ (pytest) in the kernel
        data = prepare(name)
        data.pop("init_main_from_name", None)
        data.pop("init_main_from_path", None)
        return data

    spawn.get_preparation_data = without_main
    try:
        process.start()
    finally:
        spawn.get_preparation_data = prepare
    return ForkedKernel(process)


class ForkedLaunch:
    """Mixed into a jupyter_client kernel manager: start its kernel with ``start_kernel``."""

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        provisioner = self.provisioner  # type: ignore[attr-defined]
        cwd = str(kw.get("cwd") or os.getcwd())
        env = dict(kw.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
        provisioner.process = start_kernel(kernel_cmd, env, cwd)
        provisioner.pid = provisioner.process.pid
        provisioner.pgid = provisioner.pid  # setsid above: the group is the kernel's own
        provisioner.cwd = cwd
        self._reconcile_connection_info(provisioner.connection_info)  # type: ignore[attr-defined]


def plain_kernels() -> bool:
    return os.environ.get("WORKSHOP_TEST_PLAIN_KERNELS") == "1"


def forked_kernel_manager() -> type:
    """The quiet kernel manager of ``make run`` (scripts/run_notebooks.py), forking its kernels.

    ``WORKSHOP_TEST_PLAIN_KERNELS=1`` gives the quiet manager itself (ordinary kernels), to
    tell whether a failure has to do with forking."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "run_notebooks", Path(__file__).resolve().parents[2] / "scripts" / "run_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    quiet = module.quiet_kernel_manager()
    if plain_kernels():
        return quiet
    return type("ForkedKernelManager", (ForkedLaunch, quiet), {})


def fork_nbval_kernels() -> None:
    """Make nbval (run in its own pytest process) start its kernels the same way."""
    if plain_kernels():
        return
    from jupyter_client.manager import KernelManager
    from nbval import kernel

    kernel.KernelManager = type("ForkedNbvalKernelManager", (ForkedLaunch, KernelManager), {})
