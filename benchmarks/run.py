"""Run the benchmarks: each ``bench_*.py`` here measures us against the reference C++ Nix.

``--smoke`` runs every benchmark on a tiny input, only to show it still works (CI does this);
without it the inputs are full size and the printed ratios are the figures for the README.
A benchmark that fills a ``CPU_RATIOS`` dict (workload -> ours / reference) contributes to
the mean over all language workloads printed at the end.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The issue's target for the geometric mean of CPU-time ratios of the language workloads.
CPU_TARGET = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs: check, don't measure")
    parser.add_argument("only", nargs="*", help="names of benchmarks to run (default: all)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    # Our commands run from bytecode caches, as after any pip install; write them now even
    # where PYTHONDONTWRITEBYTECODE is set, or every timed run would recompile our sources.
    compileall.compile_dir(str(HERE.parent / "packages"), quiet=1)
    status = 0
    cpu_ratios: dict[str, float] = {}
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {name}", flush=True)
        status |= int(module.run(smoke=args.smoke) or 0)
        cpu_ratios.update(getattr(module, "CPU_RATIOS", {}))
    if len(cpu_ratios) > 1:
        # The set of language workloads: evaluation's and parsing's, in one mean.
        mean = math.exp(sum(math.log(r) for r in cpu_ratios.values()) / len(cpu_ratios))
        verdict = "meets" if mean <= CPU_TARGET else "misses"
        print(
            f"== all language workloads ({', '.join(sorted(cpu_ratios))}): geometric mean of "
            f"CPU time, ours / reference: {mean:.2f}x ({verdict} the {CPU_TARGET:g}x target)"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
