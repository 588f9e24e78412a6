"""Start daphne (DEBUG off, embedded database) and run the GraphQL-over-HTTP audits of the
npm package graphql-http against it: `.ci/run` calls this after the Python tests.

Needs Node.js and `npm ci --prefix tests/http_audit` (a local install: nothing global).
Exit status: the audit's (0 only when every audit passes)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.support.daphne import run_node_against_daphne  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_node_against_daphne(HERE / "audit.mjs", "http-audit"))
