"""No module of the application passes MAX_LINES lines: past that, a newcomer can no
longer read it whole, and it is time to split it by concern (migrations excepted, they
are generated)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("project", "domain", "graphql_api", "realtime")
MAX_LINES = 400


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_the_packages_hold_modules():
    assert {path.relative_to(ROOT).parts[0] for path in _modules()} == set(PACKAGES)


def test_no_module_passes_the_line_limit():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := _line_count(path)) > MAX_LINES
    }
    assert too_long == {}, f"modules over {MAX_LINES} lines, to split: {too_long}"
