"""Write the ``.exp`` of lang-test cases from the reference C++ Nix (never from our output).

    python lang-tests/regenerate.py                 # every case
    python lang-tests/regenerate.py parse-okay-let  # some cases, by name

The reference is found as the tests find it (``NIX_ORACLE`` or ``nix-instantiate`` on PATH).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from harness import HERE, case_files, expectation_of, runner_for


def _find_oracle() -> object:
    spec = importlib.util.spec_from_file_location("root_conftest", HERE.parent / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    oracle = module.find_oracle()
    if oracle is None:
        sys.exit("no reference C++ Nix: set NIX_ORACLE or put nix-instantiate on PATH")
    return oracle


def main(names: list[str]) -> int:
    oracle = _find_oracle()
    cases = case_files()
    if names:
        wanted = {Path(n).stem for n in names}
        cases = [c for c in cases if c.stem in wanted]
    status = 0
    for case in cases:
        runner = runner_for(case)
        assert runner is not None
        try:
            answer = runner.reference(oracle, case)
        except AssertionError as error:  # the reference refused a case meant to pass
            print(f"{case.stem}: {error}", file=sys.stderr)
            status = 1
            continue
        expectation_of(case).write_text(answer, encoding="utf-8", errors="surrogateescape")
        print(f"{case.stem}: {answer.splitlines()[0][:80] if answer else ''}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
