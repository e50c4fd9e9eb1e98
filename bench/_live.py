"""Real server processes for the benchmarks: daphne (chatassist/testing/live_servers.py, the
same start-up the tests use) and the test vendor server in a process of its own."""

import subprocess
import sys

from chatassist import embedded
from chatassist.testing.live_servers import LiveServer, daphne_spawn, wait_ready

__all__ = ["LiveServer", "daphne_spawn", "vendor_spawn", "wait_ready"]


def vendor_spawn(*, token_delay: float, text: str) -> tuple[subprocess.Popen, str]:
    """bench/_vendor.py in a process of its own; returns it and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._vendor", "--token-delay", str(token_delay), "--default-text", text],
        cwd=embedded.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    base_url = process.stdout.readline().strip()
    if not base_url:
        process.wait()
        raise RuntimeError("the vendor server did not start")
    return process, base_url
