"""Start daphne (DEBUG off, embedded database) and run the GraphQL-over-HTTP audits of the
npm package graphql-http against it: `.ci/run` calls this after the Python tests.

Needs Node.js and `npm ci --prefix tests/http_audit` (a local install: nothing global).
Exit status: the audit's (0 only when every audit passes)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.support.daphne import clean_env, manage, running_daphne  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="http-audit-") as var_dir:
        env = clean_env(
            DEBUG="0", SECRET_KEY="http-audit", VAR_DIR=var_dir, ALLOWED_HOSTS="127.0.0.1"
        )
        migrated = manage("migrate", "--noinput", env=env)
        if migrated.returncode != 0:
            print(migrated.stdout, migrated.stderr, file=sys.stderr)
            return 1
        with running_daphne(env) as base_url:
            return subprocess.run(
                ["node", str(HERE / "audit.mjs"), f"{base_url}/graphql/"], check=False
            ).returncode


if __name__ == "__main__":
    sys.exit(main())
