"""The code stays readable in small pieces: modules up to 400 lines, functions up to 60.

A longer one is allowed when a comment says why: `# size: <reason>` in the module's first 20
lines, or directly above the function (its decorators may stand between).
"""

import ast
from pathlib import Path

from django.conf import settings

APPS = ("cxmonitor", "touchpoints", "surveys", "dashboards")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
REASON = "# size:"


def _modules() -> list[Path]:
    root = Path(settings.BASE_DIR)
    found: list[Path] = []
    for app in APPS:
        found += [p for p in (root / app).rglob("*.py") if "migrations" not in p.parts]
    return sorted(found)


def _reason_above(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    above = lines[first - 2].strip() if first >= 2 else ""
    return above.startswith(REASON)


def test_modules_are_at_most_400_lines_or_say_why() -> None:
    too_long = []
    for path in _modules():
        lines = path.read_text().splitlines()
        if len(lines) > MAX_MODULE_LINES and not any(
            line.strip().startswith(REASON) for line in lines[:20]
        ):
            too_long.append(f"{path.relative_to(settings.BASE_DIR)}: {len(lines)} lines")
    assert too_long == []


def test_functions_are_at_most_60_lines_or_say_why() -> None:
    too_long = []
    for path in _modules():
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not _reason_above(lines, node):
                where = f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}"
                too_long.append(f"{where} {node.name}: {length} lines")
    assert too_long == []
