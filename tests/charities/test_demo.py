"""The demo supply list: every status, point-to-point help, complaints; safe to run twice."""

from django.core.management import call_command

from charities.models import Complaint, Resource, ResourceStatus


def test_seed_demo_loads_the_supply_list_once(db):
    call_command("seed_demo", "--force", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)
    assert set(Resource.objects.values_list("status", flat=True)) == set(ResourceStatus.values)
    gz = Resource.objects.get(organization__name="广州市慈善会")
    assert [c.code for c in gz.designated_counties.all()] == ["610622000000"]
    assert Resource.objects.filter(name=gz.name).count() == 1
    assert Complaint.objects.count() == 3
