"""Start daphne (DEBUG off, embedded database) and run real clients against it: Apollo
Client 3's and 4's persisted-queries links over HTTP POST and GET, and a graphql-ws client with the
persisted-query extension (client.mjs). `.ci/run` calls this after the HTTP audit.

Needs Node.js and `npm ci --prefix tests/persisted_client` (a local install: nothing
global). Exit status: the client's (0 only when every check passes)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.support.daphne import run_node_against_daphne  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_node_against_daphne(HERE / "client.mjs", "persisted-client"))
