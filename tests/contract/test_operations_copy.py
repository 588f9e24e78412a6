"""contract/operations/ is an identical copy of ../shared/operations/ where that exists,
plus documents of ../shared/operations-next/ (work taken up), each identical to its
namesake there."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_COPY = ROOT / "contract" / "operations"
SHARED = ROOT.parent / "shared" / "operations"
SHARED_NEXT = ROOT.parent / "shared" / "operations-next"


def _documents(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(folder.glob("*.graphql"))}


def test_project_copy_holds_operation_documents():
    assert _documents(PROJECT_COPY), f"no .graphql documents in {PROJECT_COPY}"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/operations is not beside this clone")
def test_every_shared_operations_document_is_copied_unchanged():
    copy = _documents(PROJECT_COPY)
    assert {name: copy.get(name) for name in _documents(SHARED)} == _documents(SHARED)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/operations is not beside this clone")
def test_every_other_document_of_the_copy_is_one_of_operations_next_unchanged():
    shared = _documents(SHARED)
    upcoming = _documents(SHARED_NEXT) if SHARED_NEXT.is_dir() else {}
    extra = {name: text for name, text in _documents(PROJECT_COPY).items() if name not in shared}
    assert extra == {name: upcoming.get(name) for name in extra}
