"""The package's layout holds: only the cross-cutting modules at its root, imports that go one
way (no cycles, nothing imports a layer above it), command modules that never import each
other, artifact names typed once, and no function of 80 lines or more."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipeline import workspace

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"

ROOT_MODULES = {
    "__init__", "__main__", "errors", "settings", "config_file", "workspace", "runner",
    "progress", "timecode", "memory",
}  # fmt: skip

#: who may import whom: a module may import its own layer or a lower one, never a higher one
LAYERS = {
    "media": 1,
    "services": 2, "speech": 2, "slides": 2, "leaks": 2, "redaction": 2, "youtube": 2,
    "zoom": 2, "review": 2,
    "stages": 3,
    "runner": 4,
    "batch": 5,
    "cli": 6,
    "__main__": 7,
}  # fmt: skip
CLI_SHARED = {"pipeline.cli", "pipeline.cli.options", "pipeline.cli.invocation", "pipeline.cli.output"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The pipeline modules `path` imports (at any depth of the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("pipeline")}
    return {n for n in names if n in MODULES and n != "pipeline"}


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return 0
    return LAYERS.get(parts[1], 0)


def test_only_cross_cutting_modules_at_the_root():
    at_root = {p.stem for p in PACKAGE.glob("*.py")}
    assert at_root <= ROOT_MODULES, f"move these into a package: {sorted(at_root - ROOT_MODULES)}"


def test_every_package_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= set(LAYERS), sorted(packages - set(LAYERS))


def test_no_module_imports_a_layer_above_its_own():
    upward = [
        f"{a} -> {b}" for a, deps in GRAPH.items() for b in deps if _layer(b) > _layer(a)
    ]
    assert upward == []


def test_no_import_cycles():
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(GRAPH[node]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_commands_never_import_each_other():
    crossing = [
        f"{a} -> {b}"
        for a, deps in GRAPH.items()
        if a.startswith("pipeline.cli.") and a not in CLI_SHARED
        for b in deps
        if b.startswith("pipeline.cli") and b not in CLI_SHARED
    ]
    assert crossing == []


def test_the_layer_check_can_fail():
    assert _layer("pipeline.cli.run") > _layer("pipeline.stages.scan") > _layer("pipeline.media")


def _functions():
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{name}.{node.name}", node.end_lineno - node.lineno + 1


def test_no_function_of_80_lines_or_more():
    long = sorted((n, f) for f, n in _functions() if n >= 80)
    assert long == []


ARTIFACTS = {
    value
    for key, value in vars(workspace).items()
    if key.isupper() and isinstance(value, str) and "." in value and "/" not in value
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_artifact_names_are_typed_only_in_the_workspace(name):
    if name == "pipeline.workspace":
        return
    literals = {
        node.value
        for node in ast.walk(ast.parse(MODULES[name].read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert not literals & ARTIFACTS, "use the constant from pipeline.workspace"


def test_the_artifact_list_is_the_work_folder():
    assert {"transcript.json", "flags.json", "redacted.mp4", "youtube.json"} <= ARTIFACTS
