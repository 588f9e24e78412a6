"""`manage.py seed_demo [--products N] [--seed S] [--if-empty] [--force]`"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from domain.accounts.models import User
from domain.catalog.models import Product
from domain.demo.seeding import DEMO_ACCOUNTS, demo_seed


class Command(BaseCommand):
    help = "Create deterministic demo data (idempotent: a second run adds nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=200, help="How many products.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any product exists."
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like production. Add --force to seed anyway."
            )
        if options["products"] < 0:
            raise CommandError("--products must be 0 or more.")
        if options["if_empty"] and Product.all_objects.exists():
            self.stdout.write("The database already has products: demo data not added.")
        else:
            report = demo_seed(
                products=options["products"], seed=options["seed"], progress=self._progress
            )
            self.stdout.write(
                f"Demo data: +{report.categories} categories, +{report.products} products, "
                f"+{report.images} images, +{report.reviews} reviews, +{report.users} users, "
                f"+{report.orders} orders."
            )
        self._print_demo_accounts()

    def _print_demo_accounts(self) -> None:
        emails = [account.email for account in DEMO_ACCOUNTS]
        present = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        accounts = [account for account in DEMO_ACCOUNTS if account.email in present]
        if not accounts:
            return
        self.stdout.write("Demo accounts (email / password):")
        for account in accounts:
            role = "staff" if account.is_staff else "customer"
            self.stdout.write(f"  {role:<8} {account.email} / {account.password}")

    def _progress(self, done: int, total: int) -> None:
        if total < 1000:
            return
        width = 30
        filled = width * done // total
        end = "\n" if done >= total else ""
        sys.stderr.write(
            f"\r  products [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}"
        )
        sys.stderr.flush()
