from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.demo import seed_accounts
from beneficiaries.demo import seed_households, seed_online_applications, seed_register_activity
from cases.demo import seed_referrals
from cases.demo_stories import seed_stories
from charities.demo import seed_supply
from core.demo import seed_organizations, seed_regions
from matching.demo import seed_matching
from supervision.demo import seed_supervision


class Command(BaseCommand):
    help = "Load the demo county (regions, organizations, accounts, households). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default="demo12345", help="Password of every demo account.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on real data).")

    def handle(self, *args: Any, password: str, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "DEBUG is off: this looks like production. Demo data would mix with real people; use --force only on a throw-away system."
                )
            )
        with transaction.atomic():
            seed_regions()
            organizations = seed_organizations()
            users = seed_accounts(organizations, password)
            households = seed_households()
            seed_supply(organizations, users)
            seed_register_activity(organizations, users)
            seed_online_applications(users)
            seed_referrals(organizations, users)
            seed_stories(organizations, users)
            seed_matching(users)
            seed_supervision(organizations, users)
        self.stdout.write(
            _("Demo data ready (%(households)d new households). Sign in as caseworker / %(password)s.")
            % {"households": households, "password": password}
        )
