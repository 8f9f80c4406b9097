"""All factories, one package: ``from tests.factories import …`` whatever the app."""

from tests.factories.charities import ComplaintFactory, DeliveryFactory, ResourceFactory
from tests.factories.core import PASSWORD, OrganizationFactory, UserFactory, make_credit_code, region

__all__ = [
    "PASSWORD",
    "ComplaintFactory",
    "DeliveryFactory",
    "OrganizationFactory",
    "ResourceFactory",
    "UserFactory",
    "make_credit_code",
    "region",
]
