"""Start daphne (DEBUG off, embedded database) and run a real client against it: Apollo
Client's persisted-queries link over HTTP POST and GET, and a graphql-ws client with the
persisted-query extension (client.mjs). `.ci/run` calls this after the HTTP audit.

Needs Node.js and `npm ci --prefix tests/persisted_client` (a local install: nothing
global). Exit status: the client's (0 only when every check passes)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.support.daphne import clean_env, manage, running_daphne  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="persisted-client-") as var_dir:
        env = clean_env(
            DEBUG="0", SECRET_KEY="persisted-client", VAR_DIR=var_dir, ALLOWED_HOSTS="127.0.0.1"
        )
        migrated = manage("migrate", "--noinput", env=env)
        if migrated.returncode != 0:
            print(migrated.stdout, migrated.stderr, file=sys.stderr)
            return 1
        with running_daphne(env) as base_url:
            return subprocess.run(
                ["node", str(HERE / "client.mjs"), f"{base_url}/graphql/"], check=False
            ).returncode


if __name__ == "__main__":
    sys.exit(main())
