"""`manage.py export_schema [--path schema.graphql] [--check] [--release]`: write the SDL of
the live schema (or, with --check, fail when the file differs from it).

With --release, the live schema also becomes the released one (`schema.released.graphql`,
what graphql_api/management/schema_evolution.py compares the schema with): run it when a
release ships. It prints what changes for clients since the last release, and refuses when
that breaks them (a field removed without a deprecation first), unless --allow-breaking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from strawberry.printer import print_schema

from graphql_api.management.schema_evolution import compare, released_schema_path
from graphql_api.schema import schema


def schema_sdl() -> str:
    return print_schema(schema) + "\n"


class Command(BaseCommand):
    help = "Write the GraphQL schema (SDL) to schema.graphql at the repository root."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", default=str(settings.BASE_DIR / "schema.graphql"))
        parser.add_argument(
            "--check", action="store_true", help="Fail when the file is not up to date."
        )
        parser.add_argument(
            "--release",
            action="store_true",
            help="Also make it the released schema (schema.released.graphql).",
        )
        parser.add_argument(
            "--allow-breaking",
            action="store_true",
            help="With --release: release even a change that breaks clients.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        sdl = schema_sdl()
        if options["check"]:
            if not path.exists() or path.read_text() != sdl:
                raise CommandError(f"{path} is out of date: run manage.py export_schema")
            self.stdout.write(f"{path} is up to date.")
            return
        if options["release"]:
            self._release(sdl, allow_breaking=options["allow_breaking"])
        path.write_text(sdl)
        self.stdout.write(f"Wrote {path}.")

    def _release(self, sdl: str, *, allow_breaking: bool) -> None:
        released = released_schema_path(settings.BASE_DIR)
        if released.exists():
            changes = compare(released.read_text(), sdl)
            self.stdout.write(f"Changes since the last release:\n{changes.report()}")
            if changes.breaking and not allow_breaking:
                raise CommandError(
                    "These changes break clients of the last release: deprecate first, "
                    "release, then remove (or pass --allow-breaking)."
                )
        released.write_text(sdl)
        self.stdout.write(f"Wrote {released}.")
