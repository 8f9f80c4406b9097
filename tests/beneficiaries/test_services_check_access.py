"""``need_log`` and ``person_reveal`` check role and jurisdiction themselves (issue #13): a second
caller — an export, a job, a new endpoint — cannot skip what the page and the API check first."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditAction, AuditEntry
from beneficiaries.models import Need
from beneficiaries.services import need_log, person_reveal


@pytest.mark.parametrize("persona", ["charity_staff", "other_charity_staff"])
def test_charity_staff_cannot_reveal_even_by_calling_the_service(request, persona, people):
    with pytest.raises(PermissionDenied):
        person_reveal(
            by=request.getfixturevalue(persona), person=people.in_township, field="id_number", reason="核对身份信息"
        )
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_a_station_worker_cannot_reveal_someone_of_another_township(people, station_worker):
    with pytest.raises(PermissionDenied):
        person_reveal(by=station_worker, person=people.other_township, field="phone", reason="电话回访核实")
    assert person_reveal(by=station_worker, person=people.in_township, field="phone", reason="电话回访核实")


def test_another_countys_caseworker_cannot_reveal(people, other_county_caseworker):
    with pytest.raises(PermissionDenied):
        person_reveal(by=other_county_caseworker, person=people.in_township, field="id_number", reason="核对身份信息")


def test_a_supervisor_cannot_log_a_need(people, supervisor):
    with pytest.raises(PermissionDenied):
        need_log(by=supervisor, person=people.in_township, category="medical", description="住院费用高")
    assert not Need.objects.exists()


def test_a_station_worker_cannot_log_a_need_for_another_township(people, station_worker):
    with pytest.raises(ValidationError) as error:
        need_log(by=station_worker, person=people.other_township, category="medical", description="住院费用高")
    assert "person" in error.value.message_dict
    assert need_log(by=station_worker, person=people.in_township, category="medical", description="住院费用高")


def test_charity_staff_cannot_log_a_need(people, charity_staff):
    with pytest.raises(PermissionDenied):
        need_log(by=charity_staff, person=people.in_township, category="medical", description="住院费用高")
