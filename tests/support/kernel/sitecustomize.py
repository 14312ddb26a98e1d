"""Imported at start-up by every Python process the test session starts (tests/support/kernel is
on their PYTHONPATH): notebook kernels record their AWS calls like the tests' own process."""

import os

if os.environ.get("WORKSHOP_CALL_LOG"):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))))
    from tests.support import calls

    calls.install()
    del sys.path[0]
