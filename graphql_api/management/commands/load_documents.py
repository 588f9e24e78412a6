"""`manage.py load_documents [FILE ...]`: register trusted documents.

Each FILE is a client manifest (Apollo's persisted-query manifest or Relay's
`{hash: text}` JSON: graphql_api/persisted/manifests.py); its documents become trusted
(listed in the admin under the file's name). With no FILE, the contract's documents
(contract/operations/*.graphql, trusted in any case) are listed in the store too. Loading
is idempotent: a document already there keeps its first source. Running servers pick the
new documents up on their next request (graphql_api/persisted/store.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from graphql_api.models import TrustedDocument
from graphql_api.persisted.manifests import ManifestError, manifest_entries
from graphql_api.persisted.store import Entry, contract_entries, trusted_changed


def _store(entries: list[Entry], source: str) -> int:
    rows = {
        entry.sha256: TrustedDocument(
            sha256=entry.sha256,
            text=entry.text,
            source=source,
            origin=entry.origin[:200],
            operation_name=entry.operation_name[:200],
        )
        for entry in entries
    }
    with transaction.atomic():
        existing = set(
            TrustedDocument.objects.filter(sha256__in=rows).values_list("sha256", flat=True)
        )
        TrustedDocument.objects.bulk_create([r for k, r in rows.items() if k not in existing])
        transaction.on_commit(trusted_changed)
    return len(rows) - len(existing)


class Command(BaseCommand):
    help = "Register trusted GraphQL documents from client manifests (or the contract's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="Apollo or Relay manifest (JSON)")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        if not files:
            added = _store(list(contract_entries()), TrustedDocument.Source.CONTRACT)
            self.stdout.write(f"contract: {added} new document(s)")
            return
        for name in files:
            path = Path(name)
            try:
                data = json.loads(path.read_text())
                entries = manifest_entries(data, origin=path.name)
            except OSError as error:
                raise CommandError(f"{name}: {error.strerror}") from None
            except ValueError as error:  # ManifestError or invalid JSON
                message = str(error) if isinstance(error, ManifestError) else "not valid JSON"
                raise CommandError(f"{name}: {message}") from None
            added = _store(entries, TrustedDocument.Source.MANIFEST)
            self.stdout.write(f"{path.name}: {len(entries)} document(s), {added} new")
