"""A graphene-django peer over the same models and database, for benchmarks only.

It runs in its own virtual environment (graphene-django needs graphql-core < 3.3)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET_KEY = "benchmark-peer-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.postgres",
    "graphene_django",
    "domain.accounts",
    "domain.catalog",
    "domain.orders",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bench.graphene_peer.urls"
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
USE_TZ = True
MEDIA_URL = "/media/"
GRAPHENE = {"SCHEMA": "bench.graphene_peer.schema.schema"}
