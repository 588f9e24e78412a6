# The two commands a newcomer needs: `make run` (server with demo data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PRODUCTS ?= 200

.PHONY: run test lint install lock worker beat migrate clean

UV_VERSION := 0.13.9

# Installs exactly what uv.lock says. `--locked` fails when pyproject.toml and uv.lock
# disagree (run `make lock` after editing the dependencies); `--inexact` keeps uv itself.
$(BIN)/.installed: pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --quiet --locked --extra dev --inexact
	touch $@

install: $(BIN)/.installed

## lock: after editing pyproject.toml's dependencies, record the resolution in uv.lock
lock:
	test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet uv==$(UV_VERSION); }
	$(BIN)/uv lock

## run: install, migrate, seed demo data into an empty database, serve on http://$(HOST):$(PORT)/
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --if-empty --products $(DEMO_PRODUCTS)
	@echo ""
	@echo "  GraphQL + GraphiQL  http://$(HOST):$(PORT)/graphql/"
	@echo "  WebSocket           ws://$(HOST):$(PORT)/graphql/"
	@echo "  Admin               http://$(HOST):$(PORT)/admin/   (sign in as the staff account)"
	@echo "  Health              http://$(HOST):$(PORT)/healthz"
	@echo "  Readiness           http://$(HOST):$(PORT)/readyz"
	@echo "  Metrics             http://$(HOST):$(PORT)/metrics   (Prometheus; open with DEBUG on)"
	@echo ""
	DEBUG=$${DEBUG:-1} exec $(BIN)/daphne -b $(HOST) -p $(PORT) project.asgi:application

## test: install the dev extras, check the import contracts, run pytest
test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrate: install
	$(BIN)/python manage.py migrate --noinput

## worker / beat: Celery processes on Redis (REDIS_URL); without it tasks run eagerly in-process
## and neither is needed. One beat per deployment; as many workers as the load needs.
worker: install
	@test -n "$$REDIS_URL$$CELERY_BROKER_URL" || { echo "make worker needs REDIS_URL (without it, tasks run in the server's process)."; exit 1; }
	$(BIN)/celery -A project worker --loglevel=INFO

beat: install
	@test -n "$$REDIS_URL$$CELERY_BROKER_URL" || { echo "make beat needs REDIS_URL (without it, tasks run in the server's process)."; exit 1; }
	mkdir -p var
	$(BIN)/celery -A project beat --loglevel=INFO --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache
