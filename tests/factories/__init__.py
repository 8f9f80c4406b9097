"""All factories, one package: ``from tests.factories import …`` whatever the app."""

from tests.factories.beneficiaries import (
    make_assistance_record,
    make_consent,
    make_household,
    make_need,
    make_person,
    valid_id_number,
)
from tests.factories.cases import make_referral
from tests.factories.charities import ComplaintFactory, DeliveryFactory, ResourceFactory
from tests.factories.core import PASSWORD, OrganizationFactory, UserFactory, make_credit_code, region

__all__ = [
    "PASSWORD",
    "ComplaintFactory",
    "DeliveryFactory",
    "OrganizationFactory",
    "ResourceFactory",
    "UserFactory",
    "make_assistance_record",
    "make_consent",
    "make_credit_code",
    "make_household",
    "make_need",
    "make_person",
    "make_referral",
    "region",
    "valid_id_number",
]
