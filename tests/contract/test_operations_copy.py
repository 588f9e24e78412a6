"""contract/operations/ is an identical copy of ../shared/operations/ where that exists."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_COPY = ROOT / "contract" / "operations"
SHARED = ROOT.parent / "shared" / "operations"


def _documents(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(folder.glob("*.graphql"))}


def test_project_copy_holds_operation_documents():
    assert _documents(PROJECT_COPY), f"no .graphql documents in {PROJECT_COPY}"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/operations is not beside this clone")
def test_project_copy_is_identical_to_shared_operations():
    assert _documents(PROJECT_COPY) == _documents(SHARED)
