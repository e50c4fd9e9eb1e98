"""``make bench``: run every benchmark in this folder and print its numbers."""

import importlib
import pkgutil
import sys
import time

import bench


def main() -> int:
    names = sorted(module.name for module in pkgutil.iter_modules(bench.__path__) if not module.name.startswith("_"))
    # ``python -m bench chat --sizes 100``: what follows the first option goes to the benchmark.
    arguments = sys.argv[1:]
    first_option = next((index for index, argument in enumerate(arguments) if argument.startswith("-")), None)
    wanted = arguments[:first_option] or names
    options = arguments[first_option:] if first_option is not None else []
    for name in wanted:
        print(f"\n== bench/{name}.py ==", flush=True)
        started = time.perf_counter()
        sys.argv = [f"bench/{name}.py", *options]
        importlib.import_module(f"bench.{name}").main()
        print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
