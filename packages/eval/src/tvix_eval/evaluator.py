"""Evaluate Nix source: parse, compile to Python, run, and report errors as C++ Nix does.

Evaluation runs on a thread of its own with a large stack and a high recursion limit:
Nix programs recurse deeply, and neither Python's default limit nor the C stack of the main
thread would survive them.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from tvix_eval.builtins import CORE, Builtin, BuiltinSet
from tvix_eval.builtins.control import warn_and_abort
from tvix_eval.builtins.registry import NixBuiltin
from tvix_eval.compiled import entry_point, register_lambdas
from tvix_eval.errors import EvalError, NixError, ParseError, ThrownError
from tvix_eval.io import EvalIO, LocalIO, PureIO
from tvix_eval.runtime import ops, trace
from tvix_eval.runtime.active_io import using_io
from tvix_eval.runtime.calls import reset_call_depth
from tvix_eval.runtime.namespace import runtime_namespace
from tvix_eval.settings import SYNTAX_FEATURES
from tvix_eval.syntax.source import Source
from tvix_eval.value import InfiniteRecursion, NixPath, PrimOp, Thunk, force

__all__ = ["Evaluator", "run_with_big_stack"]

Value = Any
R = TypeVar("R")

STACK_SIZE = 1 << 30
RECURSION_LIMIT = 1_000_000
#: Python's cycle collector, tuned for evaluation: thunks, closures and sets are made by the
#: million and most die young by reference counting, so collecting every 700 allocations
#: (the default) mostly re-walks the live heap; measured, this takes 5-40% off evaluation
#: time and changes peak memory by less than 1%. Cycles (recursive functions, ``rec``) are
#: still collected.
GC_THRESHOLDS = (100_000, 20, 100)
LANG_VERSION = 6
#: How many symlinks an import follows before giving up, as C++ Nix.
MAX_SYMLINKS = 1024
NIX_VERSION = "2.26.3"
#: Builtins pure evaluation does without, as C++ Nix's.
IMPURE_BUILTINS = ("currentSystem", "currentTime")


#: Guards the process-wide settings evaluations change (recursion limit, collector
#: thresholds): the first evaluation running sets them, the last to finish restores them, so
#: evaluations on several threads at once never leave them changed.
_SETTINGS_LOCK = threading.Lock()
_running = 0
_saved: tuple[int, tuple[int, ...]] = (0, ())


def _enter_evaluation() -> None:
    global _running, _saved
    with _SETTINGS_LOCK:
        if _running == 0:
            _saved = (sys.getrecursionlimit(), gc.get_threshold())
            sys.setrecursionlimit(RECURSION_LIMIT)
            gc.set_threshold(*GC_THRESHOLDS)
        _running += 1


def _leave_evaluation() -> None:
    global _running
    with _SETTINGS_LOCK:
        _running -= 1
        if _running == 0:
            sys.setrecursionlimit(_saved[0])
            gc.set_threshold(*_saved[1])


def run_with_big_stack(fn: Callable[[], R]) -> R:
    """Run ``fn`` on a thread with a 1 GiB stack, a high recursion limit and the cycle
    collector tuned for evaluation (:data:`GC_THRESHOLDS`); all three restored after (once
    no other evaluation runs)."""
    result: list[R] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as e:  # handed to the calling thread
            failure.append(e)

    _enter_evaluation()
    try:
        with _SETTINGS_LOCK:  # the stack size applies to threads started meanwhile
            old_size = threading.stack_size(STACK_SIZE)
            try:
                thread = threading.Thread(target=target, name="nix-eval")
                thread.start()
            finally:
                threading.stack_size(old_size)
        thread.join()
    finally:
        _leave_evaluation()
    if failure:
        raise failure[0]
    return result[0]


class Evaluator:
    """One evaluation session: its builtins, settings, I/O and the cache of imported files.

    ``builtins`` are sets added to tvix-eval's own (:data:`~tvix_eval.builtins.CORE`), later
    ones replacing earlier ones' builtins of the same name: how tvix-glue adds the builtins
    that need a store, for this evaluator alone. ``io`` is how this evaluator's evaluations
    reach files, the environment and the store (by default this machine's, without a store);
    with ``pure_eval`` it is wrapped in :class:`~tvix_eval.io.PureIO`. Builtins of an
    experimental feature exist only when ``experimental_features`` names it. ``corepkgs``
    are the files ``<nix/NAME>`` finds before any search path entry (by NAME: the file).
    """

    def __init__(
        self,
        io: EvalIO | None = None,
        *,
        builtins: Iterable[BuiltinSet] = (),
        max_call_depth: int = 10_000,
        nix_path: list[str] | None = None,
        system: str = "x86_64-linux",
        abort_on_warn: bool = False,
        pure_eval: bool = False,
        experimental_features: Iterable[str] = (),
        corepkgs: Mapping[str, str] | None = None,
    ) -> None:
        io = io if io is not None else LocalIO()
        self.io: EvalIO = PureIO(io) if pure_eval else io
        self.pure_eval = pure_eval
        self.experimental_features = frozenset(experimental_features)
        self.max_call_depth = max_call_depth
        self.abort_on_warn = abort_on_warn
        self.nix_path = nix_path or []
        self.corepkgs = dict(corepkgs or {})
        self.system = system
        self.import_cache: dict[str, Value] = {}
        sets = (CORE, *builtins)
        self.base = self._base_env(_merged(*sets))
        self.namespace = runtime_namespace()
        self.namespace.update({"G_" + name: value for name, value in self.base.items()})
        # Builtins written in Nix are evaluated before the first code that can reach them is
        # compiled (code that names them, or ``builtins``); their names are known now.
        self._pending_nix_builtins = [b for s in sets for b in s.nix_defined.values()]
        for spec in self._pending_nix_builtins:
            name = spec.name if spec.global_ else "__" + spec.name
            self.base["builtins"][spec.name] = self.base[name] = None

    # -- the base environment ---------------------------------------------------------------------

    def _base_env(self, specs: dict[str, Builtin]) -> dict[str, Value]:
        builtins: dict[str, Value] = {}
        specs = {name: spec for name, spec in specs.items() if self._has(spec)}
        for name, spec in specs.items():
            if spec.stateful:
                raise TypeError(f"builtin {name} needs its state: give BuiltinSet.bound(state)")
            builtins[name] = (
                spec.fn() if spec.arity == 0 else PrimOp(name, spec.arity, spec.fn, spec.traced)
            )
        builtins.update(self._feature_variants(specs))
        builtins.update(self._session_builtins())
        builtins["true"] = True
        builtins["false"] = False
        builtins["null"] = None
        builtins["builtins"] = builtins
        base: dict[str, Value] = {"builtins": builtins, "true": True, "false": False, "null": None}
        # Builtins reachable without ``builtins.`` keep their plain name only; the others
        # are also ``__name`` (C++ Nix registers them so).
        for name, spec in specs.items():
            if spec.global_:
                base[name] = builtins[name]
            else:
                base["__" + name] = builtins[name]
        for name in self._session_builtins():
            if name not in ("import", "scopedImport"):
                base["__" + name] = builtins[name]
        for name in ("import", "scopedImport", "__findFile", "__nixPath"):
            if name.startswith("__"):
                base[name] = builtins[name[2:]]
                continue
            base[name] = builtins[name]
        # Compiled code takes these values as they are, never forcing them.
        assert not any(type(v) is Thunk for v in base.values()), "a thunk in the base environment"
        return base

    def _has(self, spec: Builtin) -> bool:
        """Whether this evaluator has the builtin ``spec`` (its feature on, if any; not an
        impure one in pure evaluation)."""
        if spec.feature is not None and spec.feature not in self.experimental_features:
            return False
        return not (self.pure_eval and spec.name in IMPURE_BUILTINS)

    def _reaches_nix_builtins(self, text: str) -> bool:
        """Whether code of ``text`` can reach a builtin written in Nix: only by its name, or
        through ``builtins``. (Most short evaluations reach neither and do not pay for
        evaluating them.)"""
        return "builtins" in text or any(b.name in text for b in self._pending_nix_builtins)

    def _install_nix_builtins(self) -> None:
        while self._pending_nix_builtins:
            self._add_nix_builtin(self._pending_nix_builtins.pop(0))

    def _add_nix_builtin(self, spec: NixBuiltin) -> None:
        """Evaluate a builtin written in Nix (with the others) and put it in place."""
        source = Source(spec.shown_as, spec.source.read_text(encoding="utf-8"), spec.position_file)
        value = force(self._load(source)())
        self.base["builtins"][spec.name] = value
        name = spec.name if spec.global_ else "__" + spec.name
        self.base[name] = value
        self.namespace["G_" + name] = value

    def _feature_variants(self, specs: dict[str, Builtin]) -> dict[str, Value]:
        """Builtins that an experimental feature of this evaluator changes, in place of the
        builtins of the same name (reachable by the same names)."""
        variants: dict[str, Value] = {}
        if "parse-toml-timestamps" in self.experimental_features and "fromTOML" in specs:
            from tvix_eval.builtins.toml import from_toml_with_timestamps

            variants["fromTOML"] = PrimOp("fromTOML", 1, from_toml_with_timestamps)
        return variants

    def _session_builtins(self) -> dict[str, Value]:
        """Builtins that need this evaluator (its I/O, settings, import cache)."""
        builtins = {
            "import": PrimOp("import", 1, self._import),
            "scopedImport": PrimOp("scopedImport", 2, self._scoped_import),
            "storeDir": self.io.store_dir,
            "langVersion": LANG_VERSION,
            "nixVersion": NIX_VERSION,
            "nixPath": self._nix_path_value(),
            "findFile": PrimOp("findFile", 2, self._find_file),
        }
        if not self.pure_eval:
            builtins["currentSystem"] = self.system
        if self.abort_on_warn:
            builtins["warn"] = PrimOp("warn", 2, warn_and_abort)
        return builtins

    def _nix_path_value(self) -> list[Value]:
        """``builtins.nixPath``: the ``-I`` entries, then ``$NIX_PATH``'s (none in pure
        evaluation)."""
        if self.pure_eval:
            return []
        entries = list(self.nix_path)
        env = self.io.get_env("NIX_PATH")
        if env:
            entries.extend(e for e in env.split(":") if e)
        result: list[Value] = []
        for entry in entries:
            prefix, eq, path = entry.partition("=")
            if not eq:
                prefix, path = "", entry
            result.append({"prefix": prefix, "path": path})
        return result

    def _find_file(self, search_path: Value, name: Value) -> Value:
        """``builtins.findFile`` (what ``<name>`` calls): the first search path entry whose
        prefix matches and under which the rest of the name exists."""
        from tvix_eval.builtins.arguments import list_arg, plain_string_arg, set_arg, string_arg
        from tvix_eval.builtins.attrs import required_attr
        from tvix_eval.value import force

        wanted = str(string_arg(name, "findFile", 1))
        corepkg = (
            self.corepkgs.get(wanted.removeprefix("nix/")) if wanted.startswith("nix/") else None
        )
        if corepkg is not None:
            return NixPath(corepkg)
        element = "an element of the list passed to builtins.findFile"
        for item in list_arg(search_path, "findFile", 0):
            entry = set_arg(item, "findFile", what=element)
            prefix = ""
            if "prefix" in entry:
                what = f"the `prefix` attribute of {element}"
                prefix = str(plain_string_arg(entry["prefix"], "findFile", what=what))
            path = required_attr(entry, "path", "in an element of the __nixPath")
            base = ops.coerce_to_string(
                force(path),
                f"while evaluating the `path` attribute of {element}",
                copy_to_store=False,
            )
            if prefix and wanted != prefix and not wanted.startswith(prefix + "/"):
                continue
            rest = wanted[len(prefix) :].lstrip("/") if prefix else wanted
            candidate = ops.canon_path(os.path.join(os.path.abspath(base), rest))
            self.io.check_access(candidate)
            if self.io.path_exists(candidate):
                # C++ Nix gives what was found with its symlinks resolved.
                return NixPath(self.io.real_path(candidate))
        # Thrown, as C++ Nix throws it: tryEval catches a missing search path entry.
        raise ThrownError(
            f"cannot look up '<{wanted}>' in pure evaluation mode (use '--impure' to override)"
            if self.pure_eval
            else f"file '{wanted}' was not found in the Nix search path "
            "(add it using $NIX_PATH or -I)"
        )

    def _import_path(self, target: Value) -> str:
        from tvix_eval.builtins.io import realise_path

        # Pure evaluation refuses the file when it is read, not when it is named.
        path = self._follow_symlinks(realise_path(target, check_access=False))
        if self.io.file_type(path) == "directory":
            path = os.path.join(path, "default.nix")
            if not self.io.path_exists(path):
                error = NixError(f"opening file '{path}': No such file or directory")
                error.positioned = False
                raise error
        return path

    def _follow_symlinks(self, path: str) -> str:
        """The file an import of ``path`` reads: a symlink is followed (relative to where it
        is, so that the file's own relative paths work from its target), as C++ Nix's
        ``resolveExprPath`` does, giving up after as many links as it does."""
        for _ in range(MAX_SYMLINKS - 1):
            if path == "/":
                break
            parent, name = os.path.split(path)
            target = self.io.read_link(os.path.join(self.io.real_path(parent), name))
            if target is None:
                break
            path = ops.canon_path(os.path.join(parent, target))
        else:
            raise NixError(
                f"too many symbolic links encountered while traversing the path '{path}'"
            )
        return path

    def _import(self, target: Value) -> Value:
        path = self._import_path(target)
        if path not in self.import_cache:
            main = self._load(self._read_source(path))
            try:
                self.import_cache[path] = main()
            except NixError as e:
                e.add_trace(f"while evaluating the file '{path}':")
                raise
        return self.import_cache[path]

    def _read_source(self, path: str) -> Source:
        text = self.io.read_file(path)
        return Source(path, text.decode("utf-8", "surrogateescape"), path)

    def _scoped_import(self, scope: Value, target: Value) -> Value:
        from tvix_eval.builtins.arguments import set_arg

        attrs = set_arg(scope, "scopedImport", 0)
        return self._run(self._read_source(self._import_path(target)), extra_scope=attrs)

    # -- evaluation --------------------------------------------------------------------------------

    def parse(self, source: Source, names: set[str] | None = None) -> Any:
        """``source``'s tree, a variable that neither ``names`` (the base environment its
        code sees: this evaluator's by default) nor the code defines refused as C++ Nix's
        parser refuses it; with this evaluator's experimental features (pipe operators...)."""
        from tvix_eval.syntax import parser  # type: ignore[attr-defined]

        return parser.parse(
            source,
            names=set(self.base) if names is None else names,
            features=self.experimental_features,
        )

    def _run(self, source: Source, extra_scope: dict[str, Value] | None = None) -> Value:
        return self._load(source, extra_scope)()

    def _load(
        self, source: Source, extra_scope: dict[str, Value] | None = None
    ) -> Callable[[], Value]:
        """Parse and compile ``source``; the result computes its value when called."""
        try:
            return self._compile(source, extra_scope)
        except ParseError as e:
            # Reported through the evaluation's trace (``while calling the 'import'
            # builtin``), which only evaluation errors carry.
            raise NixError(e.message, e.span) from None

    def _compile(self, source: Source, extra_scope: dict[str, Value] | None) -> Callable[[], Value]:
        if self._pending_nix_builtins and self._reaches_nix_builtins(source.text):
            self._install_nix_builtins()
        names = set(self.base)
        forced = frozenset(self.base)  # the base environment holds no thunks
        if extra_scope is not None:
            names |= extra_scope.keys()
            forced = forced - extra_scope.keys()
        key = compiled = None
        if source.path is not None:  # only files are cached: -E text need not load pickle
            from tvix_eval import compile_cache

            key = compile_cache.cache_key(
                source,
                names,
                dynamic_globals=False,
                forced_globals=forced,
                features=self.experimental_features & SYNTAX_FEATURES,
            )
            compiled = compile_cache.load(key, source) if key is not None else None
        filename = trace.register_source(source, key.name if key is not None else None)
        if compiled is not None:
            register_lambdas(compiled)
        else:
            from tvix_eval import compiler  # not loaded when every file comes from the cache

            tree = self.parse(source, names)
            compiled = compiler.compile_expr(
                tree, source, names, forced_globals=forced, filename=filename
            )
            if key is not None:
                compile_cache.store(key, compiled)
        if compiled.regions:
            trace.REGIONS[filename] = compiled.regions
        namespace = dict(self.namespace)
        if extra_scope is not None:
            namespace.update({"G_" + k: v for k, v in extra_scope.items()})
        for name, value in compiled.constants.items():
            if isinstance(value, tuple) and value and value[0] == "path":
                namespace[name] = NixPath(value[1])
            else:
                namespace[name] = value
        return entry_point(compiled, namespace)

    def load(self, source: Source) -> Callable[[], Value]:
        """Parse and compile ``source`` now (a syntax error is an :class:`EvalError`); the
        function returned evaluates it, on the evaluation thread (from inside
        :meth:`evaluate` or :meth:`run`)."""
        with using_io(self.io):
            return self._load(source)

    def eval(self, expr: str, *, args: Mapping[str, Any] | None = None) -> Any:
        """The value of the Nix expression ``expr`` (relative paths in it from the current
        folder, as with ``nix-instantiate -E``), as Python sees it (see
        :mod:`tvix_eval.python_values`). With ``args`` (even empty), a function taking a
        set is called with them first, as ``nix-instantiate`` calls one with its ``--arg``
        options. Errors are :class:`EvalError` exceptions; ``render()`` gives what C++ Nix
        prints."""
        return self._eval_for_python(Source("«string»", expr), args)

    def eval_file(
        self, path: str | os.PathLike[str], *, args: Mapping[str, Any] | None = None
    ) -> Any:
        """The value of the Nix file at ``path``, as :meth:`eval` gives it."""
        absolute = os.path.abspath(path)
        return self._eval_for_python(self.run(lambda: self._read_source(absolute)), args)

    def _eval_for_python(self, source: Source, args: Mapping[str, Any] | None) -> Any:
        from tvix_eval.auto_call import auto_call
        from tvix_eval.python_values import from_nix, to_nix

        given = None if args is None else {name: to_nix(value) for name, value in args.items()}

        def work() -> Value:
            value = force(self._run(source))
            return value if given is None else auto_call(value, given)

        return from_nix(self.run(work), self)

    def evaluate(self, source: Source, then: Callable[[Value], R] | None = None) -> Any:
        """Evaluate ``source`` (and pass the value to ``then``, on the evaluation thread,
        so that printing can force the rest). Errors come out as :class:`EvalError`."""

        def work() -> Any:
            value = self._run(source)
            return then(value) if then is not None else value

        return self.run(work)

    def run(self, work: Callable[[], R]) -> R:
        """Run ``work`` as part of an evaluation of this evaluator: on a thread of its own
        with a big stack (inline if already inside one of this evaluator's), with this
        evaluator's I/O and call depth, and errors located as C++ Nix reports them. Values
        an evaluation left lazy are forced through here later (see
        :mod:`tvix_eval.embedding`)."""
        if getattr(_INSIDE, "evaluator", None) is self:
            return work()

        def inside() -> R:
            _INSIDE.evaluator = self
            reset_call_depth(self.max_call_depth)
            try:
                with using_io(self.io):
                    return work()
            except InfiniteRecursion as e:
                # Where the black hole was forced, as C++ Nix reports it; failing that (forced
                # by a builtin), the computation that needed itself.
                if not e.located and trace.innermost_span(e.__traceback__) is None:
                    e.span = trace.span_of_function(e.culprit)
                    e.located = e.span is not None
                _locate(e, e.__traceback__)
                raise
            except EvalError as e:
                _locate(e, e.__traceback__)
                raise
            except RecursionError:
                # Python's stack ran out before the call depth did (a structure nested too
                # deeply, or cyclic, for --json, toJSON...): C++ Nix's own stack overflow,
                # which it reports with neither position nor trace.
                overflow = NixError("stack overflow (possible infinite recursion)")
                overflow.positioned = False
                raise overflow from None
            finally:
                _INSIDE.evaluator = None

        return run_with_big_stack(inside)


#: The evaluator whose evaluation runs on this thread, if any.
_INSIDE = threading.local()


def _merged(*sets: BuiltinSet) -> dict[str, Builtin]:
    """The builtins of ``sets`` by name, a later set's replacing an earlier one's."""
    merged: dict[str, Builtin] = {}
    for builtin_set in sets:
        merged.update((spec.name, spec) for spec in builtin_set)
    return merged


def _locate(error: EvalError, tb: Any) -> None:
    """Fill in the error's position and its trace frames' positions from the traceback."""
    if isinstance(error, NixError):
        if not error.located and error.positioned:
            error.span = trace.innermost_span(tb)
            error.located = error.span is not None
        for frame in error.frames:
            if frame.span is None and frame.frame is not None:
                frame.span = trace.caller_span(frame.frame)  # type: ignore[arg-type]
                frame.frame = None
        # At the same depth a region's line is inside the call's, so it comes first.
        calls = trace.region_frames(tb)
        calls += trace.call_frames(tb, forced_at=error.forced_at)
        if calls:
            # Merge, innermost first, by how deep in the Python stack each line belongs.
            merged = sorted([*error.frames, *calls], key=lambda f: f.depth)
            error.frames = merged


_ = Thunk
