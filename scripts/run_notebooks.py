"""Execute every notebook headlessly, in order, into build/ (executed notebooks and HTML).

    make run                      (or: .venv/bin/python scripts/run_notebooks.py)

Offline, the notebooks run against a fresh stand-in started for this run only, so the results
do not depend on (or disturb) a stand-in you use in JupyterLab. aws mode is refused unless
--allow-aws is given: it makes real, billed calls.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The notebooks are numbered in the order they run.
# `make run` is offline by default (seconds a notebook); aws mode may wait on throttling
CELL_TIMEOUT_S = 900
ORDER = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))


def quiet_kernel_manager() -> type:
    """The kernel manager notebooks run under here and in the tests: no noise, errors kept.

    jupyter_client's own manager makes two lines of noise per run, each with a root cause:

    - ipykernel 7 logs "Kernel is running over TCP without encryption" at every start unless
      the manager provisions CurveZMQ keys. This manager does (``transport_encryption``
      "auto"), where pyzmq has Curve and the kernelspec declares it; elsewhere nothing changes.
    - jupyter_client interrupts (SIGINT) every kernel before shutting it down. papermill's last
      message, a kernel_info request, is often still in its handler when that signal lands (the
      reply is sent, the handler has not returned), and ipykernel logs "KeyboardInterrupt
      caught in kernel." This manager does not interrupt a kernel it is shutting down: the
      notebook has finished, and the shutdown request that follows stops the kernel (a kernel
      that does not stop is killed, as before). Interrupts at any other time are unchanged.
    """
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if zmq.has("curve") and self.has_trait("transport_encryption"):
                self.transport_encryption = "auto"

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return QuietKernelManager


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build"), help="where results go")
    parser.add_argument(
        "--allow-aws",
        action="store_true",
        help="run against the real account if config.json says aws (billed)",
    )
    parser.add_argument(
        "--keep-profiles",
        action="store_true",
        help="skip 99_cleanup, leaving the profiles in place",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=ORDER,
        help="run only these notebooks (in the workshop's order), e.g. --only 00_setup",
    )
    args = parser.parse_args()

    import nbformat
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from nbconvert import HTMLExporter

    from helpers import config
    from helpers.errors import WorkshopError
    from helpers.offline import Standin

    try:
        cfg = config.load()
    except WorkshopError as error:
        print(error, file=sys.stderr)
        return 2
    standin = None
    os.environ["WORKSHOP_HEADLESS"] = "1"  # helpers refuse aws mode here unless allowed
    if cfg.mode == "aws":
        if not args.allow_aws:
            print(
                'config.json says "mode": "aws": `make run` would make real, billed calls. '
                "Run with --allow-aws to do so, or set the mode to offline.",
                file=sys.stderr,
            )
            return 2
        os.environ["WORKSHOP_ALLOW_AWS"] = "1"
    else:
        standin = Standin()
        os.environ["WORKSHOP_ENDPOINT_URL"] = standin.start()
    out = Path(args.out)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "html").mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter()
    order = ORDER[:-1] if args.keep_profiles else ORDER
    if args.only:
        order = [name for name in order if name in args.only]
    results = []
    width = max(len(name) for name in [*order, "all notebooks"])
    began = time.perf_counter()
    try:
        for name in order:
            started = time.perf_counter()
            target = out / "notebooks" / f"{name}.ipynb"
            # a notebook that writes files declares output_dir: they go under --out, not build/
            source = ROOT / "notebooks" / f"{name}.ipynb"
            writes_files = "output_dir" in papermill.inspect_notebook(str(source))
            parameters = {"output_dir": str(out)} if writes_files else {}
            status = "ok"
            try:
                papermill.execute_notebook(
                    str(ROOT / "notebooks" / f"{name}.ipynb"),
                    str(target),
                    parameters=parameters,
                    kernel_name="python3",
                    cwd=str(ROOT / "notebooks"),
                    progress_bar=False,
                    kernel_manager_class=quiet_kernel_manager(),
                    # streamed text arrives piece by piece: one output per stream, as Jupyter
                    # shows it, not one <pre> block per word in the HTML
                    coalesce_streams=True,
                    # a cell stuck for this long is reported as failed, never a silent stall
                    execution_timeout=CELL_TIMEOUT_S,
                )
            except papermill.PapermillExecutionError as error:
                status = f"FAILED: {error.ename}: {error.evalue.splitlines()[0]}"
            except CellTimeoutError:
                status = f"FAILED: a cell ran longer than {CELL_TIMEOUT_S} s (stopped)"
            executed = nbformat.read(target, as_version=4)
            html, _ = exporter.from_notebook_node(executed)
            (out / "html" / f"{name}.html").write_text(html, encoding="utf-8")
            results.append((name, time.perf_counter() - started, status))
            print(f"{name:<{width}} {results[-1][1]:6.1f} s  {status}", flush=True)
            if status != "ok":
                break
    finally:
        if standin is not None:
            standin.stop()
    total = time.perf_counter() - began
    print(f"{'all notebooks':<{width}} {total:6.1f} s  -> {out / 'notebooks'}, {out / 'html'}")
    return 0 if all(r[2] == "ok" for r in results) and len(results) == len(order) else 1


if __name__ == "__main__":
    sys.exit(main())
