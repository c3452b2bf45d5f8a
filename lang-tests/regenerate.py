"""Write the expectation files of lang-test cases from the reference C++ Nix (never from our
output).

    python lang-tests/regenerate.py                    # every case
    python lang-tests/regenerate.py parse-okay-let     # some cases, by name
    python lang-tests/regenerate.py eval/              # the cases of a category

Each case's kind says which files it gets (see harness.py); a file the reference's answer
makes unnecessary (an empty ``.err.exp``) is removed. The reference is found as the tests find
it (``NIX_ORACLE`` or ``nix-instantiate`` on PATH).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from harness import HERE, case_files, runner_for


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


def _wanted(case: Path, names: list[str]) -> bool:
    if not names:
        return True
    relative = str(case.relative_to(HERE))
    return any(
        case.stem == Path(n).stem or (n.endswith("/") and relative.startswith(n)) for n in names
    )


def main(names: list[str]) -> int:
    oracle = _find_oracle()
    status = 0
    for case in [c for c in case_files() if _wanted(c, names)]:
        runner = runner_for(case)
        assert runner is not None
        try:
            answers = runner.regenerate(oracle, case)
        except AssertionError as error:  # the reference disagrees with the case's kind
            print(f"{case.stem}: {error}", file=sys.stderr)
            status = 1
            continue
        for suffix, answer in answers.items():
            target = case.with_suffix(suffix)
            if answer is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(answer.encode("utf-8", "surrogateescape"))
        first = next((a for a in answers.values() if a), "")
        print(f"{case.stem}: {first.splitlines()[0][:80] if first else ''}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
