#!/usr/bin/env python3
"""Checks that every #include between modules follows docs/ARCHITECTURE.md's module table.

The table's "depends on" column names modules (allowed transitively) and the external
libraries a module may include. A module may always include its own headers. Exit 1 lists each
offending line as FILE:LINE: module X includes Y (not in its dependencies).
Standard library only, so it runs under any python3.
"""
import pathlib
import re
import sys

# External libraries as the table names them -> the include prefixes they own.
LIBRARY_INCLUDES = {
    "yaml-cpp": ["yaml-cpp/"],
    "openssl": ["openssl/"],
    "libcurl": ["curl/"],
    "zlib": ["zlib.h"],
    "libpqxx": ["pqxx/", "libpq-fe.h"],
    "libtorch": ["torch/", "ATen/", "c10/"],
    "cpp-httplib": ["httplib.h"],
    "prometheus-cpp": ["prometheus/"],
    "openblas": ["cblas.h", "openblas"],
}
ALL_LIBRARY_PREFIXES = [(lib, p) for lib, ps in LIBRARY_INCLUDES.items() for p in ps]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def parse_table(architecture: pathlib.Path):
    """Rows of the first markdown table whose header starts with `| module |`."""
    deps = {}
    in_table = False
    for line in architecture.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|"):
            if in_table:
                break
            continue
        if cells and cells[0] == "module":
            in_table = True
            continue
        if not in_table or set(cells[0]) <= set("-: "):
            continue
        words = [w.strip(" `*").lower() for w in re.split(r"[,;]", re.sub(r"\([^)]*\)", "", cells[-1]))]
        deps[cells[0].strip("` ")] = [w.split(" ")[0] for w in words if w]
    if not deps:
        sys.exit(f"check_layering: no module table found in {architecture}")
    return deps


def closure(deps, module):
    seen, todo = {module}, [module]
    while todo:
        for d in deps.get(todo.pop(), []):
            if d in deps and d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def main(root: pathlib.Path) -> int:
    deps = parse_table(root / "docs" / "ARCHITECTURE.md")
    problems = []
    src = root / "src"
    for module_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        module = module_dir.name
        if module not in deps:
            problems.append(f"src/{module}: module missing from docs/ARCHITECTURE.md's table")
            continue
        allowed_modules = closure(deps, module)
        allowed_libs = {w for m in allowed_modules for w in deps[m] if w in LIBRARY_INCLUDES}
        for f in sorted(module_dir.rglob("*")):
            if f.suffix not in (".hpp", ".cpp", ".h", ".cc"):
                continue
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(2)
                rel = f.relative_to(root)
                first = target.split("/")[0]
                if m.group(1) == '"' and "/" in target and first in deps:
                    if first not in allowed_modules:
                        problems.append(f"{rel}:{n}: module {module} includes {target} "
                                        f"({first} is not in its dependencies)")
                    continue
                for lib, prefix in ALL_LIBRARY_PREFIXES:
                    if target.startswith(prefix) and lib not in allowed_libs:
                        problems.append(f"{rel}:{n}: module {module} includes <{target}> "
                                        f"({lib} is not in its dependencies)")
    for p in problems:
        print(p)
    if problems:
        print(f"check_layering: {len(problems)} include(s) break docs/ARCHITECTURE.md's table")
        return 1
    print(f"check_layering: {len(deps)} modules follow docs/ARCHITECTURE.md's table")
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
