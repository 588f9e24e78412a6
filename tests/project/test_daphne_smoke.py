"""daphne as a subprocess, a real HTTP POST, data back: embedded and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import make_product
from tests.support.daphne import clean_env, manage, post_graphql, running_daphne

QUERY = "{ products(first: 10) { totalCount edges { node { name price category { name } } } } }"


def test_embedded_mode_migrates_seeds_and_serves_a_query(tmp_path):
    # given a fresh embedded set-up: SQLite under VAR_DIR, no services
    env = clean_env(DEBUG="1", VAR_DIR=str(tmp_path))
    assert manage("migrate", "--noinput", env=env).returncode == 0
    seeded = manage("seed_demo", "--products", "5", env=env)
    assert seeded.returncode == 0, seeded.stderr
    # when
    with running_daphne(env) as base_url:
        body = post_graphql(base_url, QUERY)
    # then
    assert "errors" not in body
    assert 1 <= body["data"]["products"]["totalCount"] <= 5
    assert (tmp_path / "db.sqlite3").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_mode_serves_a_query_from_the_database():
    # given committed rows in the test database
    make_product(name="Walnut Desk", is_published=True)
    make_product(name="Hidden Draft", is_published=False)
    settings_dict = connection.settings_dict
    database_url = (
        f"postgresql://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = clean_env(
        DEBUG="0", SECRET_KEY="smoke-test", DATABASE_URL=database_url, ALLOWED_HOSTS="127.0.0.1"
    )
    # when
    with running_daphne(env) as base_url:
        body = post_graphql(base_url, QUERY)
    # then
    assert body == {
        "data": {
            "products": {
                "totalCount": 1,
                "edges": [
                    {
                        "node": {
                            "name": "Walnut Desk",
                            "price": "10.00",
                            "category": {
                                "name": body["data"]["products"]["edges"][0]["node"]["category"][
                                    "name"
                                ]
                            },
                        }
                    }
                ],
            }
        }
    }
