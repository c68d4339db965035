"""The house keeps its layers: no import circles, and nothing lower imports anything higher.

Every `import` in the package is read (those inside functions too), so a circle cannot hide in
a function. Layers, top to bottom: the app factory, views, CLI and desktop; the domain
packages; `db/` and `models.py` with the small shared modules they use.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "inscrm"

TOP = {"inscrm", "__main__", "views", "cli", "desktop"}
BOTTOM = {"db", "models", "i18n", "validators", "version", "_build_info", "pinyin"}
SHARED = {"forms", "formatting", "labels", "cells", "users", "sites"}  # used by every domain


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports():
    """{module: {imported inscrm modules}} for every module of the package."""
    found = {}
    found_paths = {module_name(path) for path in PACKAGE.rglob("*.py")}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.startswith("inscrm"):
                    submodules = {f"{node.module}.{a.name}" for a in node.names}
                    targets.update(submodules)
                    if not submodules & set(found_paths):  # names from the module itself
                        targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("inscrm"))
        found[name] = targets
    return {name: {t for t in targets if t in found and t != name}
            for name, targets in found.items()}


def area(module):
    """The top-level part of inscrm a module belongs to: `segments`, `views`, `models`…"""
    parts = module.split(".")
    return "inscrm" if len(parts) == 1 else parts[1]


def test_no_module_imports_itself_back_through_others():
    graph = imports()
    # a package's __init__ importing its own modules is how packages work, not a circle
    edges = {m: {t for t in ts if m != t.rsplit(".", 1)[0]} for m, ts in graph.items()}
    state = {}

    def visit(module, trail):
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                circle = trail[trail.index(target):] + [target]
                raise AssertionError("import circle: " + " → ".join(circle))
            if target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_nothing_lower_imports_anything_higher():
    wrong = []
    for module, targets in imports().items():
        here = area(module)
        for target in targets:
            there = area(target)
            if here in BOTTOM and there not in BOTTOM:
                wrong.append(f"{module} (bottom) imports {target}")
            elif here not in TOP and there in TOP:
                wrong.append(f"{module} imports {target}, which is above it")
    assert not wrong, "\n".join(sorted(wrong))


def test_domain_code_knows_no_flask():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        module = module_name(path)
        if area(module) in TOP:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            wrong += [f"{module} imports {n}" for n in names if n.split(".")[0].startswith("flask")]
    assert not wrong, "\n".join(wrong)
