from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from beneficiaries.models import AssistanceRecord, Household, Need, Person
from cases.ledger import ledger_for
from cases.models import FollowUp, FollowUpStatus, Referral, ReferralEvent
from core.models import Organization, Region
from dashboards.selectors import Scope, median_hours_to_accept, median_hours_to_feedback
from supervision.models import ApprovalStatus, ReferralApproval


def snapshot():
    return {
        "regions": list(Region.objects.values_list("code", "name", "parent_id").order_by("code")),
        "organizations": list(Organization.objects.values_list("name", "credit_code", "updated_at").order_by("name")),
        "users": list(User.objects.values_list("username", "password", "role").order_by("username")),
        "households": list(Household.objects.values_list("register_number", "address", "updated_at").order_by("pk")),
        "persons": list(Person.objects.values_list("name", "birth_date", "updated_at").order_by("pk")),
        "referrals": list(Referral.objects.values_list("pk", "status", "sent_at").order_by("pk")),
        "events": ReferralEvent.objects.count(),
        "follow_ups": list(FollowUp.objects.values_list("referral_id", "status", "satisfaction").order_by("pk")),
        "assistance": AssistanceRecord.objects.count(),
        "needs": Need.objects.count(),
        "approvals": ReferralApproval.objects.count(),
    }


@pytest.mark.django_db
def test_it_loads_a_demo_county_with_the_six_accounts_and_a_second_caseworker(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert Household.objects.count() == 200
    assert Person.objects.count() > 300
    assert Region.objects.filter(code__startswith="610622", level=4).count() >= 3
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": Role.ADMIN,
        "caseworker": Role.CASEWORKER,
        "station": Role.STATION_WORKER,
        "charity": Role.CHARITY_STAFF,
        "charity2": Role.CHARITY_STAFF,
        "supervisor": Role.SUPERVISOR,
        "caseworker2": Role.CASEWORKER,  # the colleague who grants or refuses a second approval
    }
    assert User.objects.get(username="caseworker").check_password("demo12345")
    for user in User.objects.exclude(role=Role.ADMIN):
        user.clean()  # every demo account is a valid combination
    for organization in Organization.objects.all():
        organization.full_clean()
    assert User.objects.get(username="charity").organization != User.objects.get(username="charity2").organization


@pytest.mark.django_db
def test_running_it_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    before = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == before


@pytest.mark.django_db
def test_it_shows_every_feature_a_newcomer_looks_for(settings):
    """Issue 15: duplicates and gaps in the ledger, answered follow-ups, real response times, and a
    second approval for caseworker2 to grant or refuse."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    ledger = ledger_for(Person.objects.all())
    duplicates = [e for e in ledger.entries if e.duplicate]
    assert {e.source for e in duplicates} == {"government", "charity"}  # aid and help for the same thing
    assert len({e.person_id for e in duplicates}) >= 1
    assert ledger.gaps  # a need nobody covers
    done = FollowUp.objects.filter(status=FollowUpStatus.DONE)
    assert done.count() >= 2
    assert all(f.satisfaction and f.need_met is not None and f.note for f in done)
    assert {f.need_met for f in done} == {True, False}  # real answers, not one preset
    assert FollowUp.objects.filter(status=FollowUpStatus.DUE).exists()  # one left for the station's form
    scope = Scope(
        region=Region.objects.get(code="610622000000"), since=date.today() - timedelta(days=365), until=date.today()
    )
    accept_hours, accepted = median_hours_to_accept(scope)
    feedback_hours, _ = median_hours_to_feedback(scope)
    assert accepted >= 5 and accept_hours is not None and 1 <= accept_hours <= 72
    assert feedback_hours is not None and feedback_hours > accept_hours
    pending = ReferralApproval.objects.filter(status=ApprovalStatus.PENDING)
    assert pending.count() == 2
    assert not pending.filter(requested_by__username="caseworker2").exists()


@pytest.mark.django_db
def test_the_password_option(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--password", "another-pass-42", stdout=StringIO())
    assert User.objects.get(username="supervisor").check_password("another-pass-42")


@pytest.mark.django_db
def test_it_refuses_production_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert User.objects.filter(username="admin").exists()
