from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from beneficiaries.models import Household, Person
from core.models import Organization, Region


def snapshot():
    return {
        "regions": list(Region.objects.values_list("code", "name", "parent_id").order_by("code")),
        "organizations": list(Organization.objects.values_list("name", "credit_code", "updated_at").order_by("name")),
        "users": list(User.objects.values_list("username", "password", "role").order_by("username")),
        "households": list(Household.objects.values_list("register_number", "address", "updated_at").order_by("pk")),
        "persons": list(Person.objects.values_list("name", "birth_date", "updated_at").order_by("pk")),
    }


@pytest.mark.django_db
def test_it_loads_a_demo_county_with_the_six_accounts(settings):
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
