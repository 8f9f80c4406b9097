"""Choosing a region by name without JavaScript: a path, a name or a code, within the user's
jurisdiction; a shared name is refused with the paths to choose from; no page lists regions."""

import pytest
from django.urls import reverse

from beneficiaries.models import Person
from core.forms import RegionField, resolve_region
from core.models import Region, RegionLevel
from core.selectors import regions_pickable_by
from tests.factories import make_person, region, valid_id_number

pytestmark = pytest.mark.django_db


def test_a_path_a_name_and_a_code_name_the_same_village(caseworker):
    regions = regions_pickable_by(caseworker)
    for text in ("陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村", "永坪村", "永坪镇 › 永坪村", "610622100201"):
        found = resolve_region(text, queryset=regions)
        assert found is not None and found.code == "610622100201", text


def test_a_name_two_regions_share_is_refused_with_both_paths(caseworker):
    region("610622102202", "永坪村")  # a second 永坪村, under 文安驿镇
    field = RegionField(queryset=regions_pickable_by(caseworker))
    with pytest.raises(Exception) as error:
        field.clean("永坪村")
    message = str(error.value)
    assert "有多个区划名为“永坪村”" in message
    assert "延川县 › 永坪镇 › 永坪村" in message and "延川县 › 文安驿镇 › 永坪村" in message
    assert field.clean("文安驿镇 › 永坪村").code == "610622102202"


def test_a_region_outside_the_jurisdiction_is_refused(other_county_caseworker, world):
    field = RegionField(queryset=regions_pickable_by(other_county_caseworker))
    for text in ("永坪村", "610622100201"):
        with pytest.raises(Exception) as error:
            field.clean(text)
        assert "这里没有可选" in str(error.value)


def test_a_region_of_the_wrong_level_is_refused_by_name(caseworker):
    field = RegionField(queryset=regions_pickable_by(caseworker), levels=[RegionLevel.VILLAGE])
    with pytest.raises(Exception) as error:
        field.clean("永坪镇")
    assert "“永坪镇”不是" in str(error.value)


def test_registering_a_person_takes_the_village_by_its_name(client, caseworker):
    client.force_login(caseworker)
    page = client.get(reverse("beneficiaries:person_create"))
    html = page.content.decode()
    assert 'data-region-search="/regions/search/?level=4,5"' in html
    assert "<option" not in html.split('name="region"')[1].split("</datalist>")[0]
    response = client.post(
        reverse("beneficiaries:person_create"),
        {
            "name": "王秀英",
            "id_number": valid_id_number(),
            "relation": "head",
            "region": "永坪镇 › 永坪村",
            "address": "永坪村1组",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Person.objects.get(name="王秀英").region_id == "610622100201"


def test_the_person_form_shows_the_current_village_as_its_path(client, caseworker, world):
    person = make_person(region=world.our_village)
    client.force_login(caseworker)
    html = client.get(reverse("beneficiaries:person_edit", args=[person.pk])).content.decode()
    assert 'value="陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村"' in html


def test_the_register_filters_by_a_region_name_and_lists_no_regions(client, caseworker, world):
    make_person(region=world.our_village, name="王秀英")
    make_person(region=Region.objects.get(code="610622102201"), name="李桂兰")
    client.force_login(caseworker)
    html = client.get(reverse("beneficiaries:person_list"), {"region": "永坪镇"}).content.decode()
    assert "王秀英" in html and "李桂兰" not in html
    assert '<select id="region"' not in html
    assert 'value="陕西省 › 延安市 › 延川县 › 永坪镇"' in html
    # An old link with the code still works.
    html = client.get(reverse("beneficiaries:person_list"), {"region": "610622102000"}).content.decode()
    assert "李桂兰" in html and "王秀英" not in html


def test_a_region_name_outside_the_jurisdiction_filters_nothing_in_and_says_so(client, other_county_caseworker, world):
    client.force_login(other_county_caseworker)
    html = client.get(reverse("beneficiaries:person_list"), {"region": "永坪镇"}).content.decode()
    assert "这里没有可选的名为“永坪镇”的区划" in html


def test_a_charity_refers_a_person_to_government_by_the_village_name(client, charity_staff, world):
    from cases.models import Referral

    client.force_login(charity_staff)
    page = client.get(reverse("cases:referral_new_to_government")).content.decode()
    assert "data-region-search" in page and "12 位" not in page
    response = client.post(
        reverse("cases:referral_new_to_government"),
        {"name": "赵大山", "region": "永坪村", "urgency": "urgent", "note": "独居老人"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Referral.objects.get().region_id == "610622100201"


def test_a_charity_cannot_name_a_village_it_does_not_serve(client, other_charity_staff, world):
    client.force_login(other_charity_staff)
    response = client.post(
        reverse("cases:referral_new_to_government"),
        {"name": "赵大山", "region": "永坪村", "urgency": "urgent", "note": "独居老人"},
    )
    assert response.status_code == 200
    assert "这里没有可选的名为“永坪村”的区划" in response.content.decode()


def test_the_happiness_list_filters_by_a_region_name(client, caseworker, world):
    client.force_login(caseworker)
    html = client.get(reverse("cases:happiness_list"), {"region": "永坪镇"}).content.decode()
    assert 'value="陕西省 › 延安市 › 延川县 › 永坪镇"' in html
    assert 'inputmode="numeric"' not in html.split('name="region"')[0][-300:]


def test_matching_starts_for_a_township_chosen_by_name(client, caseworker, world):
    from matching.models import MatchingRun

    client.force_login(caseworker)
    html = client.get(reverse("matching:run_list")).content.decode()
    assert "data-region-search" in html
    client.post(reverse("matching:run_new"), {"region": "永坪镇"})
    assert MatchingRun.objects.get().region_id == "610622100000"


def test_matching_refuses_a_township_of_another_county_by_name(client, other_county_caseworker, world):
    from matching.models import MatchingRun

    client.force_login(other_county_caseworker)
    response = client.post(reverse("matching:run_new"), {"region": "永坪镇"}, follow=True)
    assert "这里没有可选的名为“永坪镇”的区划" in response.content.decode()
    assert not MatchingRun.objects.exists()


def test_the_administrators_dashboard_picks_a_township_by_name_and_lists_none(client, admin_user, world):
    client.force_login(admin_user)
    response = client.get(reverse("dashboards:county"), {"township": "永坪镇"})
    assert response.context["report"].scope.region == world.our_township
    html = response.content.decode()
    assert "<option" not in html.split('name="township"')[1].split("</div>")[0]


def test_the_supply_list_and_its_public_page_pick_regions_by_name(client, caseworker, world):
    html = client.get(reverse("charities:transparency"), {"region": "延川县"}).content.decode()
    assert 'value="陕西省 › 延安市 › 延川县"' in html
    assert '<select id="f-region"' not in html
    client.force_login(caseworker)
    html = client.get(reverse("charities:resource_list"), {"region": "永坪镇"}).content.decode()
    assert 'value="陕西省 › 延安市 › 延川县 › 永坪镇"' in html


def test_a_charity_names_its_service_regions_and_a_designated_county_by_name(client, charity_staff, world):
    from charities.models import Resource

    client.force_login(charity_staff)
    response = client.post(
        "/supply/new/",
        {
            "name": "心理慰藉服务",
            "kind": "service",
            "form": "service",
            "categories": ["psychological"],
            "service_regions": "延川县 › 永坪镇\n文安驿镇",
            "designated_counties": "延长县",
            "capacity_people": "5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    resource = Resource.objects.get()
    assert {r.code for r in resource.service_regions.all()} == {"610622100000", "610622102000"}
    assert [r.code for r in resource.designated_counties.all()] == ["610621000000"]
    html = client.get(f"/supply/{resource.pk}/edit/").content.decode()
    assert "陕西省 › 延安市 › 延川县 › 永坪镇\n陕西省 › 延安市 › 延川县 › 文安驿镇" in html
