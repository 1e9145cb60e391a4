#!/usr/bin/env python3
"""Checks that every #include between modules follows docs/ARCHITECTURE.md's module table.

The table's "depends on" column names modules (allowed transitively) and the external
libraries a module may include. A module may always include its own headers. Exit 1 lists each
offending line as FILE:LINE: module X includes Y (not in its dependencies).
A module is a folder under src/ holding sources, or, for a folder that only holds folders
(src/adapters/), each folder in it: module "adapters/http" is src/adapters/http/ and owns the
includes "adapters/http/...". The domain modules (DOMAIN_MODULES) may not include an I/O library
(IO_LIBRARIES) even if their row lists it: I/O to outside systems lives in the adapters (store
and adapters/*), docs/ARCHITECTURE.md "Layers".
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
# The layers of docs/ARCHITECTURE.md: domain modules hold no I/O library.
DOMAIN_MODULES = {"core", "market", "features", "trading", "backtest", "learn", "models",
                  "identity", "fstore", "liquidity"}
IO_LIBRARIES = {"libcurl", "libpqxx", "cpp-httplib"}
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


def module_dirs(src: pathlib.Path):
    """(name, folder) of every module: src/x, or src/x/y when src/x holds only folders."""
    for top in sorted(p for p in src.iterdir() if p.is_dir()):
        if any(f.is_file() for f in top.iterdir()):
            yield top.name, top
        else:
            for sub in sorted(p for p in top.iterdir() if p.is_dir()):
                yield f"{top.name}/{sub.name}", sub


def module_of(target: str, deps):
    """The module an include path names ("adapters/http/x.hpp" -> "adapters/http"), or None."""
    parts = target.split("/")
    for n in (2, 1):
        if len(parts) > n and "/".join(parts[:n]) in deps:
            return "/".join(parts[:n])
    return None


def main(root: pathlib.Path) -> int:
    deps = parse_table(root / "docs" / "ARCHITECTURE.md")
    problems = []
    src = root / "src"
    for module in sorted(DOMAIN_MODULES & deps.keys()):
        for lib in sorted(IO_LIBRARIES & set(deps[module])):
            problems.append(f"docs/ARCHITECTURE.md: domain module {module} lists I/O library {lib}")
    for module, module_dir in module_dirs(src):
        if module not in deps:
            problems.append(f"src/{module}: module missing from docs/ARCHITECTURE.md's table")
            continue
        allowed_modules = closure(deps, module)
        allowed_libs = {w for m in allowed_modules for w in deps[m] if w in LIBRARY_INCLUDES}
        if module in DOMAIN_MODULES:
            allowed_libs -= IO_LIBRARIES
        for f in sorted(module_dir.rglob("*")):
            if f.suffix not in (".hpp", ".cpp", ".h", ".cc"):
                continue
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(2)
                rel = f.relative_to(root)
                first = module_of(target, deps)
                if m.group(1) == '"' and first is not None:
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
