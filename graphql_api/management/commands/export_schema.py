"""`manage.py export_schema [--path schema.graphql] [--check]`: write the SDL of the live
schema (or, with --check, fail when the file differs from it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from strawberry.printer import print_schema

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

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        sdl = schema_sdl()
        if options["check"]:
            if not path.exists() or path.read_text() != sdl:
                raise CommandError(f"{path} is out of date: run manage.py export_schema")
            self.stdout.write(f"{path} is up to date.")
            return
        path.write_text(sdl)
        self.stdout.write(f"Wrote {path}.")
