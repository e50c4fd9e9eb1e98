"""How long the embedded PostgreSQL+pgvector and Redis take to start and stop.

Cold start = a new data folder (initdb included); warm start = existing data. Runs in a
temporary folder, never touching .data/."""

import tempfile
import time
from pathlib import Path

from bench._stats import summary_ms
from chatassist import embedded

ROUNDS = 5


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="chatassist-bench-") as directory:
        data_dir = Path(directory)
        started = time.perf_counter()
        embedded.ensure_running(data_dir)
        cold = time.perf_counter() - started
        stops, warms, checks = [], [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            embedded.stop(data_dir)
            stops.append(time.perf_counter() - started)
            started = time.perf_counter()
            embedded.ensure_running(data_dir)
            warms.append(time.perf_counter() - started)
        for _ in range(50):
            # What every process pays at settings import when the servers are already up.
            started = time.perf_counter()
            embedded.ensure_running(data_dir)
            checks.append(time.perf_counter() - started)
        embedded.stop(data_dir)
    print(f"cold start (initdb + both servers): {cold * 1000:.0f} ms")
    print(f"warm start (existing data):         {summary_ms(warms)}")
    print(f"stop (both servers):                {summary_ms(stops)}")
    print(f"already running (settings import):  {summary_ms(checks)}")


if __name__ == "__main__":
    main()
