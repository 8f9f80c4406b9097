"""Demo supervision data: two declared relatives, each with a referral waiting for a second approval, and
complaints in each state. Idempotent."""

from __future__ import annotations

from accounts.models import User
from beneficiaries.models import Person, Relation
from charities.models import Complaint, ComplaintEvent, ComplaintStatus
from charities.services import complaint_move
from core.demo import DEMO_TOWNSHIP
from core.models import Organization
from supervision.models import Declaration
from supervision.services import declaration_create


def seed_supervision(organizations: dict[str, Organization], users: dict[str, User]) -> None:
    from cases.services import referral_create_to_charity

    caseworker, supervisor = users["caseworker"], users["supervisor"]
    if not Declaration.objects.filter(declarant=caseworker).exists():
        relatives = Person.objects.filter(  # two adults: heads of their households
            region__code__startswith=DEMO_TOWNSHIP[:9], id_number_index__isnull=False, relation=Relation.HEAD
        ).order_by("id")[:2]
        for relative, relationship in zip(relatives, ["in_law", "sibling"], strict=False):
            if not relative.id_number:
                continue
            declaration_create(
                by=caseworker, name=relative.name, id_number=relative.id_number, relationship=relationship
            )
            # A draft referral for each relative: flagged, waiting for a second caseworker's approval
            # (caseworker2 grants one and refuses the other in the demo).
            referral_create_to_charity(by=caseworker, person=relative, to_organization=organizations["charity"])
    if not ComplaintEvent.objects.exists():
        received = list(Complaint.objects.filter(status=ComplaintStatus.RECEIVED).order_by("id")[:2])
        for complaint in received:
            complaint_move(complaint=complaint, by=supervisor, to_status=ComplaintStatus.INVESTIGATING)
        if received:
            complaint_move(
                complaint=received[0],
                by=supervisor,
                to_status=ComplaintStatus.CONCLUDED,
                conclusion="经调查，助学金名额按评议结果公示发放，所反映的亲属关系不属实；已向投诉人说明。",
            )
