"""Acceptance 1: every transition from every state, as every role, allowed or refused as the SPEC says.

The expectations are written out here from SPEC.md, not computed from the code:
404 when the role cannot see the referral, 403 when it can see it but its side may not
take the action, 409 when the state (or direction) does not allow it, 200 otherwise.
"""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.models import Direction, Referral, ReferralEvent, ReferralStatus
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories.cases import make_referral

STATES = [s.value for s in ReferralStatus]
ACTIONS = ["send", "accept", "decline", "start", "feedback", "decide", "close", "withdraw", "rerefer"]
ROLES = [
    "caseworker",
    "other_county_caseworker",
    "station_worker",
    "supervisor",
    "charity_staff",
    "other_charity_staff",
    "admin_user",
]

# SPEC "The referral, as a state machine".
SOURCES = {
    "send": {"draft"},
    "accept": {"sent"},
    "decline": {"sent"},
    "start": {"accepted"},
    "feedback": {"in_progress"},
    "decide": {"accepted", "in_progress"},
    "close": {"completed"},
    "withdraw": {"draft", "sent", "accepted", "in_progress"},
    "rerefer": {"declined", "expired"},
}
TARGET = {
    "send": "sent",
    "accept": "accepted",
    "decline": "declined",
    "start": "in_progress",
    "feedback": "completed",
    "decide": "completed",
    "close": "closed",
    "withdraw": "withdrawn",
}
ONLY_DIRECTION = {"feedback": Direction.TO_CHARITY, "decide": Direction.TO_GOVERNMENT}
REFERRER_ACTIONS = {"send", "close", "withdraw", "rerefer"}
# to_charity: the office's caseworker refers, the charity receives; to_government the other way round.
ACTOR: dict[tuple[str, bool], str] = {
    (Direction.TO_CHARITY, True): "caseworker",
    (Direction.TO_CHARITY, False): "charity_staff",
    (Direction.TO_GOVERNMENT, True): "charity_staff",
    (Direction.TO_GOVERNMENT, False): "caseworker",
}
RECEIVER_SEES = {"sent", "accepted", "in_progress", "completed", "closed"}


def sees(role: str, direction: str, state: str) -> bool:
    if role in ("other_county_caseworker", "other_charity_staff"):
        return False
    if role == "admin_user":
        return True
    if role == "charity_staff":
        return direction == Direction.TO_GOVERNMENT or state in RECEIVER_SEES
    # Jurisdiction roles and the administrator; a charity's draft is its own business.
    return not (direction == Direction.TO_GOVERNMENT and state == "draft")


def expected(role: str, direction: str, state: str, action: str) -> int:
    if not sees(role, direction, state):
        return 404
    if ACTOR[(direction, action in REFERRER_ACTIONS)] != role:
        return 403
    if state not in SOURCES[action] or ONLY_DIRECTION.get(action, direction) != direction:
        return 409
    return 200


def payload(action: str, direction: str, case: Case) -> dict[str, object]:
    if action in ("decline", "withdraw"):
        return {"reason": "测试原因"}
    if action == "feedback":
        return {"outcome": "helped", "amount": "300.00", "services": ["care_visit"], "note": "已送达"}
    if action == "decide":
        return {"eligible": True, "programme": "dibao"}
    if action == "rerefer":
        target = case.third_charity if direction == Direction.TO_CHARITY else case.township_office
        return {"to_organization": target.pk}
    return {}


def referral_in(state: str, direction: str, world: World, case: Case) -> Referral:
    if direction == Direction.TO_CHARITY:
        return make_referral(
            person=case.person,
            from_organization=world.bureau,
            to_organization=world.charity,
            status=state,
            consent=case.consent,
            needs=[case.need],
        )
    return make_referral(
        person=None,
        region=world.our_village,
        from_organization=world.charity,
        to_organization=world.bureau,
        status=state,
        direction=Direction.TO_GOVERNMENT,
        note="发现其可能符合低保条件",
    )


@pytest.mark.parametrize("direction", [Direction.TO_CHARITY, Direction.TO_GOVERNMENT])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(
    request: pytest.FixtureRequest, world: World, case: Case, direction: str, state: str, action: str
) -> None:
    users: dict[str, User] = {role: request.getfixturevalue(role) for role in ROLES}
    for role, user in users.items():
        referral = referral_in(state, direction, world, case)
        response = api_as(user).post(
            f"/api/v1/referrals/{referral.pk}/{action}/", payload(action, direction, case), format="json"
        )
        want = expected(role, direction, state, action)
        assert response.status_code == want, (role, direction, state, action, response.content[:300])
        referral.refresh_from_db()
        if want != 200:
            assert referral.status == state, (role, state, action)
            assert not ReferralEvent.objects.filter(referral=referral).exists()
            continue
        event = ReferralEvent.objects.filter(referral=referral).latest("id")
        assert event.actor == user
        if action == "rerefer":
            new = referral.re_referrals.get()
            assert referral.status == state  # the history stays as it was
            assert new.status == ReferralStatus.SENT
            assert event.data == {"new_referral": new.pk}
        else:
            assert referral.status == TARGET[action]
            assert (event.action, event.from_status, event.to_status) == (action, state, TARGET[action])
