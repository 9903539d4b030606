"""The kept list of equivalent mutants, and how a run of mutmut leaves them out.

Each entry of docs/mutants-equivalent.md names a mutant, the hash of its function's code when it was
judged, and why it is equivalent. mutmut numbers a function's mutants afresh when the function
changes, so an entry holds only while its function's hash is unchanged: such an entry is *current*
and is not tested again (it was judged unkillable); an entry whose function has changed since is
*stale*, is tested like any other mutant and counts as survived until it is judged again.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

ENTRY = re.compile(r"^- `([^`]+)` `([0-9a-f]{12})`: (.+)$")
SEPARATOR = "__mutmut_"


@dataclass(frozen=True)
class Entry:
    name: str
    function_hash: str
    reason: str

    @property
    def function(self) -> str:
        """The mangled function name with its module: `package.module.x_name` or `...xǁClassǁname`."""
        return self.name.rsplit(SEPARATOR, 1)[0]


def read(path: Path) -> dict[str, Entry]:
    """Return the listed mutants by name."""
    if not path.exists():
        return {}
    matches = (ENTRY.match(line) for line in path.read_text().splitlines())
    return {m.group(1): Entry(m.group(1), m.group(2), m.group(3)) for m in matches if m}


def function_hashes(source: str) -> dict[str, str]:
    """Hash each function and method of a module's source as mutmut does: its AST, class-qualified."""
    hashes: dict[str, str] = {}

    def visit(statements: list[ast.stmt], class_name: str = "") -> None:
        for node in statements:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"xǁ{class_name}ǁ{node.name}" if class_name else f"x_{node.name}"
                dump = ast.dump(node, annotate_fields=False).encode()
                hashes[key] = hashlib.sha256(dump).hexdigest()[:12]
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{class_name}.{node.name}" if class_name else node.name)

    visit(ast.parse(source).body)
    return hashes


def split(entries: dict[str, Entry], module: str, source: str) -> tuple[dict[str, Entry], dict[str, Entry]]:
    """Split the entries of one module (`followup/plan/x.py`) into current and stale ones."""
    prefix = dotted(module)
    hashes = function_hashes(source)
    current, stale = {}, {}
    for name, entry in entries.items():
        if name.startswith(prefix):
            same = hashes.get(entry.function.removeprefix(prefix)) == entry.function_hash
            (current if same else stale)[name] = entry
    return current, stale


def dotted(module: str) -> str:
    """`followup/plan/x.py` -> `followup.plan.x.`, the start of its mutants' names."""
    return module.removesuffix(".py").replace("/", ".") + "."


def seed(meta_path: Path, module: str, current: dict[str, Entry]) -> None:
    """Record the current entries in mutmut's results for their module as survived, so it skips them.

    mutmut keeps a mutant's result while the hash it stored for the function equals the function's
    hash now. Where the stored hash is another (the function changed since the last run), the
    function's other results are dropped here, as mutmut would drop them.
    """
    meta = {"exit_code_by_key": {}, "hash_by_function_name": {}}
    meta.update({"durations_by_key": {}, "estimated_durations_by_key": {}})
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
    results, stored = meta["exit_code_by_key"], meta["hash_by_function_name"]
    for entry in current.values():
        function = entry.function.removeprefix(dotted(module))
        if stored.get(function) != entry.function_hash:
            for name in results:
                if name.rsplit(SEPARATOR, 1)[0] == entry.function:
                    results[name] = None
            stored[function] = entry.function_hash
        if results.get(entry.name) is None:
            results[entry.name] = 0
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta, indent=4))
