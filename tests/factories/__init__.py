"""All factories, one package: ``from tests.factories import …`` whatever the app."""

from tests.factories.core import PASSWORD, OrganizationFactory, UserFactory, make_credit_code, region

__all__ = ["PASSWORD", "OrganizationFactory", "UserFactory", "make_credit_code", "region"]
