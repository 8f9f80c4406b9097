"""Probable duplicates: same name, birth date and county, different ID numbers."""

from datetime import date

from django.urls import reverse

from tests.factories import PASSWORD, make_person, region


def test_probable_duplicates_are_listed_for_review(client, caseworker, world):
    born = date(1961, 4, 5)
    first = make_person(world.our_village, name="刘满仓", born=born, male=True)
    second = make_person(region("610622102201", "文安驿村"), name="刘满仓", born=born, male=True)
    make_person(world.our_village, name="刘满仓", born=date(1962, 4, 5), male=True)  # another birth date
    make_person(region("610621001000"), name="刘满仓", born=born, male=True)  # another county
    client.login(username=caseworker.username, password=PASSWORD)
    groups = client.get(reverse("beneficiaries:duplicate_list")).context["groups"]
    assert [[p.pk for p in group] for group in groups] == [[first.pk, second.pk]]


def test_the_station_sees_only_duplicates_inside_its_township(client, station_worker, world):
    born = date(1961, 4, 5)
    make_person(world.our_village, name="刘满仓", born=born, male=True)
    make_person(region("610622102201", "文安驿村"), name="刘满仓", born=born, male=True)
    client.login(username=station_worker.username, password=PASSWORD)
    assert client.get(reverse("beneficiaries:duplicate_list")).context["groups"] == []
