"""The package's shape: no import cycles, no oversized modules or functions.

Every module of :mod:`gvae_ext` is parsed with :mod:`ast` (nothing is
imported). Its imports of other :mod:`gvae_ext` modules, lazy ones inside
functions included, form a graph that must have no cycle; a package's
``__init__`` importing its own submodules is not an edge back to itself.
Modules must stay at most :data:`MAX_MODULE_LINES` lines long and function
bodies at most :data:`MAX_FUNCTION_LINES` lines, a tolerance above the ~300/~60
guideline of ARCHITECTURE.md.
"""

import ast
from pathlib import Path

PACKAGE = 'gvae_ext'
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
MAX_MODULE_LINES = 330
MAX_FUNCTION_LINES = 70


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def _modules() -> dict:
    """Module name -> (path, parsed tree, whether it is a package __init__)."""
    out = {}
    for path in sorted(ROOT.rglob('*.py')):
        tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
        out[_module_name(path)] = (path, tree, path.name == '__init__.py')
    return out


MODULES = _modules()


def _resolve(name: str) -> str:
    """The module a dotted import name refers to (an attribute maps to its module)."""
    while name and name not in MODULES:
        name = name.rpartition('.')[0]
    return name


def _imports(module: str) -> set:
    """The gvae_ext modules ``module`` imports, at any depth of its code."""
    _, tree, is_package = MODULES[module]
    package = module if is_package else module.rpartition('.')[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')
                anchor = anchor[: len(anchor) - node.level + 1]
                base = '.'.join(anchor + ([base] if base else []))
            # ``from pkg import sub`` imports the submodule ``pkg.sub``.
            names = [f'{base}.{alias.name}' for alias in node.names] + [base]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + '.'):
                target = _resolve(name)
                if target and target != module:
                    found.add(target)
    if is_package:
        # A package importing its own submodules is loading itself, not a cycle.
        found = {t for t in found if not t.startswith(module + '.')}
    return found


def _find_cycle(graph: dict):
    """One import cycle as a list of modules (first == last), or None."""
    state = {}  # 1: on the current path, 2: done

    def visit(node, path):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, path)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def test_no_import_cycles():
    graph = {m: _imports(m) for m in MODULES}
    cycle = _find_cycle(graph)
    assert cycle is None, 'import cycle: ' + ' -> '.join(cycle)


def test_cycle_detector_finds_a_cycle():
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    assert _find_cycle(graph) == ['a', 'b', 'c', 'a']
    assert _find_cycle({'a': {'b'}, 'b': set()}) is None


def test_imports_are_resolved():
    # Lazy imports inside functions count; __init__ imports of its own
    # submodules do not.
    assert 'gvae_ext.link.metrics' in _imports('gvae_ext.report.figures')
    assert not any(t.startswith('gvae_ext.nn.') for t in _imports('gvae_ext.nn'))


def test_module_size():
    too_long = []
    for path, _, _ in MODULES.values():
        lines = len(path.read_text(encoding='utf-8').splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f'{path.relative_to(ROOT.parent)}: {lines} lines')
    assert not too_long, f'modules over {MAX_MODULE_LINES} lines: {too_long}'


def _body_lines(node) -> int:
    """Lines of a function's body, its docstring left out."""
    body = node.body
    first = body[0]
    if (
        len(body) > 1
        and isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        first = body[1]
    return node.end_lineno - first.lineno + 1


def test_function_size():
    too_long = []
    for path, tree, _ in MODULES.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = _body_lines(node)
                if n > MAX_FUNCTION_LINES:
                    where = f'{path.relative_to(ROOT.parent)}:{node.lineno}'
                    too_long.append(f'{where} {node.name}: {n} lines')
    assert not too_long, f'function bodies over {MAX_FUNCTION_LINES} lines: {too_long}'
