"""`manage.py relay_events [--loop SECONDS]`: publish the event backlog (events whose
publication failed, e.g. while Redis was down), oldest first."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from domain.events.publishing import event_backlog_relay


class Command(BaseCommand):
    help = "Publish events left unpublished, in order."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=0, help="Repeat every N seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            published = event_backlog_relay()
            self.stdout.write(f"published {published} event(s)")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
