"""Access helpers: fetch and authorise; outside the user's scope is 404 like missing."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from core.permissions import int_or_404
from supervision.models import Declaration, ReferralApproval
from supervision.selectors import approvals_visible_to, declarations_of


def approval_for_user(user: User, pk: int | str) -> ReferralApproval:
    message = _("No such approval.")
    approval = approvals_visible_to(user).filter(pk=int_or_404(pk, message)).first()
    if approval is None:
        raise Http404(message)
    return approval


def declaration_for_user(user: User, pk: int | str) -> Declaration:
    message = _("No such declaration.")
    declaration = declarations_of(user).filter(pk=int_or_404(pk, message)).first()
    if declaration is None:
        raise Http404(message)
    return declaration
