#!/usr/bin/env python3
"""Checks that no C++ function outside tests/ is longer than 80 lines (docs/DEVELOPMENT.md).

A function's length is the number of lines from the line of its opening brace to the line of its
closing brace, both included (what clang-tidy's readability-function-size calls body lines);
lambdas and local classes count toward the function that contains them. Functions are found
with a brace scanner that skips comments, string and character literals: a brace opened at
namespace or class scope after a parameter list is a function body. Exit 1 lists each offender
as FILE:LINE: NAME is N lines (limit 80).

Scanned: src/, apps/, bench/. Not scanned: tests/ (test bodies are lists of cases). EXCLUDED
lists folders another change is rewriting at the moment; the lead empties it after merging.
Standard library only, so it runs under any python3.
"""
import pathlib
import re
import sys

LIMIT = 80
SCANNED = ["src", "apps", "bench"]
EXCLUDED: list[str] = []
SUFFIXES = (".cpp", ".hpp", ".h", ".cc")
CONTROL = re.compile(r"\b(if|for|while|switch|catch|do|else|try)\s*(\(|$)")
TYPE_HEAD = re.compile(r"\b(class|struct|union|enum)\b[^()]*$")


def strip_code(text: str) -> str:
    """The text with comments, string and character literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and nxt == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and nxt == '"' and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum() and nxt.isalnum():
                out.append(" ")  # digit separator: 1'000'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(" " * (j - i))
            i = j
        elif c == "#" and (i == 0 or text[i - 1] == "\n"):
            j = i
            while True:  # a preprocessor line, with its continuations
                e = text.find("\n", j)
                if e < 0:
                    e = n
                    break
                if text[e - 1] != "\\":
                    break
                j = e + 1
            out.append(re.sub(r"[^\n]", " ", text[i:e]))
            i = e
        else:
            out.append(c)
            i += 1
    return "".join(out)


def classify(head: str) -> str:
    """What a brace opened at namespace or class scope starts, from the text before it."""
    h = " ".join(head.split())
    if re.search(r"\bnamespace\b", h) or h.startswith('extern "C"') or h == "extern":
        return "namespace"
    if TYPE_HEAD.search(h) and "=" not in h:
        return "type"
    if ")" not in h:
        return "other"  # an initializer: kTable = {...}, Foo x{...}
    before_paren = h.split("(", 1)[0]
    if "=" in before_paren and "operator" not in before_paren:
        return "other"  # kValue = make(...){...} or a lambda stored in a variable
    return "function"


def function_name(head: str) -> str:
    h = " ".join(head.split())
    m = re.search(r"([\w:~]+(?:operator\s*\S+?)?)\s*\(", h)
    return m.group(1) if m else h[:60]


def long_functions(text: str):
    """(line, name, length) of every function longer than LIMIT."""
    code = strip_code(text)
    found = []
    stack = []  # kinds of the open braces
    head_start = 0
    line = 1
    open_line = {}
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            scope = stack[-1][0] if stack else "namespace"
            if scope in ("namespace", "type"):
                head = code[head_start:i]
                kind = classify(head)
                if kind == "function" and CONTROL.search(" ".join(head.split())):
                    kind = "other"
            else:
                kind = "inner"
            name = function_name(code[head_start:i]) if kind == "function" else ""
            stack.append((kind, line, name))
            head_start = i + 1
        elif c == "}":
            if stack:
                kind, start, name = stack.pop()
                if kind == "function" and line - start + 1 > LIMIT:
                    found.append((start, name, line - start + 1))
            head_start = i + 1
        elif c == ";":
            head_start = i + 1
        elif c == ":" and stack and stack[-1][0] == "type":
            # "public:" and friends end a class-scope head.
            if re.search(r"\b(public|private|protected)\s*$", code[head_start:i]):
                head_start = i + 1
    return found


def main(root: pathlib.Path) -> int:
    problems = []
    for top in SCANNED:
        for f in sorted((root / top).rglob("*")):
            rel = f.relative_to(root).as_posix()
            if f.suffix not in SUFFIXES or any(rel == e or rel.startswith(e + "/") for e in EXCLUDED):
                continue
            for start, name, length in long_functions(f.read_text(encoding="utf-8")):
                problems.append(f"{rel}:{start}: {name} is {length} lines (limit {LIMIT})")
    for p in problems:
        print(p)
    if problems:
        print(f"check_function_length: {len(problems)} function(s) over {LIMIT} lines")
        return 1
    print(f"check_function_length: no function over {LIMIT} lines in {', '.join(SCANNED)} "
          f"(excluded for now: {', '.join(EXCLUDED)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
