"""``make bench``: run every benchmark in this folder and print its numbers."""

import importlib
import pkgutil
import sys
import time

import bench


def main() -> int:
    names = sorted(module.name for module in pkgutil.iter_modules(bench.__path__) if not module.name.startswith("_"))
    wanted = sys.argv[1:] or names
    for name in wanted:
        print(f"\n== bench/{name}.py ==", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
