"""A referral's life through the API and the pages: capacity, needs, fast track, to government, referring again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.test import Client

from accounts.models import User
from beneficiaries.models import NeedStatus
from cases.models import Direction, Notification, Referral, ReferralStatus
from charities.models import ResourceUsage, UsageKind
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD, ResourceFactory, UserFactory, valid_id_number
from tests.factories.cases import make_referral


def browser(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_whole_loop_through_the_api(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    resource = ResourceFactory.create(organization=world.charity, capacity_people=2, people_left=2)
    office, charity = api_as(caseworker), api_as(charity_staff)
    created = office.post(
        "/api/v1/referrals/",
        {
            "direction": "to_charity",
            "person": case.person.pk,
            "needs": [case.need.pk],
            "to_organization": world.charity.pk,
            "resource": resource.pk,
            "note": "透析费用高",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    sent = office.post(f"/api/v1/referrals/{pk}/send/").json()
    assert sent["status"] == "sent" and sent["respond_by"]
    assert sent["consent"] == case.consent.pk
    case.need.refresh_from_db()
    assert case.need.status == NeedStatus.REFERRED
    assert charity.post(f"/api/v1/referrals/{pk}/accept/").json()["status"] == "accepted"
    resource.refresh_from_db()
    assert resource.people_left == 1
    assert charity.post(f"/api/v1/referrals/{pk}/start/").json()["status"] == "in_progress"
    feedback = charity.post(
        f"/api/v1/referrals/{pk}/feedback/",
        {"outcome": "helped", "amount": "800.00", "items": "米面油", "services": ["care_visit"], "note": "已入户"},
        format="json",
    )
    assert feedback.status_code == 200, feedback.content
    assert feedback.json()["status"] == "completed"
    delivery = ResourceUsage.objects.get(kind=UsageKind.DELIVERY, referral_id=pk)
    assert delivery.amount == Decimal("800.00") and delivery.services == ["care_visit"]
    case.need.refresh_from_db()
    assert case.need.status == NeedStatus.FULFILLED
    closed = office.post(f"/api/v1/referrals/{pk}/close/").json()
    assert closed["status"] == "closed"
    assert [e["action"] for e in closed["events"]] == ["create", "send", "accept", "start", "feedback", "close"]
    # The ledger now shows the charity's help.
    ledger = office.get(f"/api/v1/ledger/?person={case.person.pk}").json()
    assert [e["source"] for e in ledger["results"]] == ["charity"]


def test_second_accept_is_a_409(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    referral = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    api = api_as(charity_staff)
    assert api.post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    again = api.post(f"/api/v1/referrals/{referral.pk}/accept/")
    assert again.status_code == 409
    assert again.json()["code"] == "referral_wrong_status"


def test_withdrawing_after_acceptance_gives_the_place_back(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    resource = ResourceFactory.create(organization=world.charity, capacity_people=1, people_left=1)
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        resource=resource,
    )
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    resource.refresh_from_db()
    assert (resource.people_left, resource.status) == (0, "full")
    assert (
        api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {"reason": "家属已自行解决"}).status_code
        == 200
    )
    resource.refresh_from_db()
    assert (resource.people_left, resource.status) == (1, "open")


def test_a_full_resource_refuses_acceptance_with_409(world: World, case: Case, charity_staff: User) -> None:
    resource = ResourceFactory.create(organization=world.charity, capacity_people=1, people_left=0, status="full")
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        resource=resource,
    )
    response = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/")
    assert response.status_code == 409
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_the_wrong_side_is_refused_before_its_request_body_is_read(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    office = api_as(caseworker)
    # Declining needs a reason, but the office that sent the referral may not decline at all: 403, not 400.
    for action in ("decline", "feedback", "decide", "link_person"):
        response = office.post(f"/api/v1/referrals/{referral.pk}/{action}/", {}, format="json")
        assert response.status_code == 403, (action, response.json())
    # Withdrawing needs a reason too; the charity it was sent to may not withdraw.
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/withdraw/", {}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_fast_track_accepts_and_starts_in_one_step(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        fast_track=True,
    )
    body = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/", {"start": True}, format="json").json()
    assert body["status"] == "in_progress"
    plain = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    assert (
        api_as(charity_staff).post(f"/api/v1/referrals/{plain.pk}/accept/", {"start": True}, format="json").status_code
        == 409
    )


def test_fast_track_is_only_for_the_groups_the_policy_names(world: World, case: Case, caseworker: User) -> None:
    case.person.assistance_statuses = []
    case.person.save(update_fields=["assistance_statuses"])
    response = api_as(caseworker).post(
        "/api/v1/referrals/",
        {"direction": "to_charity", "person": case.person.pk, "to_organization": world.charity.pk, "fast_track": True},
        format="json",
    )
    assert response.status_code == 400
    assert "fast_track" in response.json()


def test_deadlines_follow_urgency(world: World, case: Case, caseworker: User, settings) -> None:
    settings.REFERRAL_RESPONSE_HOURS = {"emergency": 24, "urgent": 72, "routine": 168, "fast_track": 48}
    api = api_as(caseworker)
    hours = {}
    for urgency in ("emergency", "urgent", "routine"):
        pk = api.post(
            "/api/v1/referrals/",
            {
                "direction": "to_charity",
                "person": case.person.pk,
                "to_organization": world.charity.pk,
                "urgency": urgency,
            },
            format="json",
        ).json()["id"]
        api.post(f"/api/v1/referrals/{pk}/send/")
        r = Referral.objects.get(pk=pk)
        assert r.respond_by is not None and r.sent_at is not None
        hours[urgency] = round((r.respond_by - r.sent_at).total_seconds() / 3600)
    assert hours == {"emergency": 24, "urgent": 72, "routine": 168}


def test_rerefer_keeps_the_history(world: World, case: Case, caseworker: User) -> None:
    old = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="declined",
        needs=[case.need],
    )
    response = api_as(caseworker).post(
        f"/api/v1/referrals/{old.pk}/rerefer/", {"to_organization": case.third_charity.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["previous"] == old.pk and body["status"] == "sent" and body["to_organization"] == case.third_charity.pk
    old.refresh_from_db()
    assert old.status == ReferralStatus.DECLINED
    assert (
        api_as(caseworker)
        .post(f"/api/v1/referrals/{old.pk}/rerefer/", {"to_organization": case.third_charity.pk}, format="json")
        .status_code
        == 409
    )


def test_to_government_is_decided_and_the_charity_is_told(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    number = valid_id_number(date(1970, 1, 1))
    created = api_as(charity_staff).post(
        "/api/v1/referrals/",
        {
            "direction": "to_government",
            "person_details": {
                "name": "赵大山",
                "id_number": number,
                "phone": "13900001111",
                "region": world.our_village.code,
            },
            "note": "独居老人，无收入来源",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["to_organization"] == case.township_office.pk  # the office of the person's township
    assert number not in str(body) and body["person_details"]["id_number_masked"].endswith(number[-4:])
    pk = body["id"]
    assert api_as(charity_staff).post(f"/api/v1/referrals/{pk}/send/").status_code == 200
    # The township office has no caseworkers of its own: the county's caseworker is told.
    assert Notification.objects.filter(recipient=caseworker, kind="sent", referral_id=pk).exists()
    office = api_as(caseworker)
    assert office.post(f"/api/v1/referrals/{pk}/accept/").status_code == 200
    assert office.post(f"/api/v1/referrals/{pk}/decide/", {"eligible": False}, format="json").status_code == 400
    decided = office.post(
        f"/api/v1/referrals/{pk}/decide/", {"eligible": False, "reason": "家庭收入超过低保标准"}, format="json"
    )
    assert decided.json()["status"] == "completed" and decided.json()["eligible"] is False
    told = api_as(charity_staff).get("/api/v1/notifications/").json()["results"]
    assert any("不符合" in n["title"] or "not eligible" in n["title"] for n in told)


def test_pages_render_for_every_role(
    world: World,
    case: Case,
    caseworker: User,
    station_worker: User,
    supervisor: User,
    charity_staff: User,
    admin_user: User,
) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        needs=[case.need],
    )
    for user in (caseworker, station_worker, supervisor, charity_staff, admin_user):
        client = browser(user)
        for tab in ("", "incoming", "expiring", "overdue", "all"):
            assert client.get(f"/cases/?tab={tab}").status_code == 200
        assert client.get(f"/cases/{referral.pk}/").status_code == 200
        assert client.get(f"/cases/{referral.pk}/print/").status_code == 200
        assert client.get("/cases/notifications/").status_code == 200
    happiness = browser(caseworker).get("/cases/happiness/")
    assert happiness.status_code == 200
    # The period filter reads 起始日期/截止日期, not the referral's 转出方 ("From").
    assert "起始日期" in happiness.content.decode() and "转出方" not in happiness.content.decode()
    assert browser(caseworker).get("/cases/happiness/export.xlsx").status_code == 200
    assert browser(charity_staff).get("/cases/happiness/").status_code == 403
    assert browser(charity_staff).get("/cases/follow-ups/").status_code == 403
    assert browser(station_worker).get("/cases/follow-ups/").status_code == 200
    assert browser(caseworker).get(f"/cases/ledger/?person={case.person.pk}").status_code == 200


def test_caseworker_refers_through_the_pages(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    client = browser(caseworker)
    assert "王秀英" in client.get("/cases/new/?q=王").content.decode()
    response = client.post(
        f"/cases/new/?person={case.person.pk}",
        {
            "person": case.person.pk,
            "to_organization": world.charity.pk,
            "needs": [case.need.pk],
            "shared_fields": ["name", "phone"],
            "then": "send",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and referral.status == ReferralStatus.SENT
    assert referral.shared_fields == ["name", "phone"]
    charity = browser(charity_staff)
    assert referral.reference in charity.get("/cases/?tab=incoming").content.decode()
    page = charity.post(f"/cases/{referral.pk}/start/", follow=True).content.decode()
    assert "不能" in page or "cannot" in page  # a refusal is a message, not an error page
    charity.post(f"/cases/{referral.pk}/accept/")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_charity_refers_to_government_through_the_page(world: World, charity_staff: User, caseworker: User) -> None:
    client = browser(charity_staff)
    response = client.post(
        "/cases/new/government/",
        {"name": "赵大山", "region": world.our_village.code, "urgency": "urgent", "note": "独居老人"},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.direction == Direction.TO_GOVERNMENT and referral.status == ReferralStatus.SENT
    assert referral.reference in browser(caseworker).get("/cases/?tab=incoming").content.decode()


def test_only_caseworkers_refer_to_charities_and_only_charities_to_government(
    world: World, case: Case, station_worker: User, charity_staff: User, caseworker: User
) -> None:
    assert browser(station_worker).get("/cases/new/").status_code == 403
    assert browser(charity_staff).get("/cases/new/").status_code == 403
    assert browser(caseworker).get("/cases/new/government/").status_code == 403
    assert (
        api_as(caseworker)
        .post("/api/v1/referrals/", {"direction": "to_government", "note": "x"}, format="json")
        .status_code
        == 403
    )


def test_a_caseworker_cannot_refer_someone_outside_the_county(
    world: World, case: Case, other_county_caseworker: User
) -> None:
    response = api_as(other_county_caseworker).post(
        "/api/v1/referrals/",
        {"direction": "to_charity", "person": case.person.pk, "to_organization": world.charity.pk},
        format="json",
    )
    assert response.status_code == 400
    assert browser(other_county_caseworker).get(f"/cases/new/?person={case.person.pk}").status_code == 404


def test_station_user_of_another_organization_is_not_notified_twice(world: World) -> None:
    # Guard for the recipient de-duplication in notify(): one row per user and channel.
    user = UserFactory.create(role="charity_staff", organization=world.charity, email="a@example.org")
    from cases.notifications import notify

    rows = notify(recipients=[user, user], kind="sent", title="x")
    assert sorted(r.channel for r in rows) == ["email", "in_app"]


def test_the_admin_reads_referrals_but_changes_go_through_the_services(
    world: World, case: Case, admin_user: User
) -> None:
    referral = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    client = browser(admin_user)
    assert client.get("/admin/cases/referral/").status_code == 200
    page = client.get(f"/admin/cases/referral/{referral.pk}/change/")
    assert page.status_code == 200
    assert client.get("/admin/cases/referral/add/").status_code == 403
    assert client.get("/admin/cases/notification/").status_code == 200
    assert client.get("/admin/cases/followup/").status_code == 200


def test_the_office_links_a_verified_person_to_the_register(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=None,
        region=world.our_village,
        from_organization=world.charity,
        to_organization=world.bureau,
        direction=Direction.TO_GOVERNMENT,
        status="sent",
        person_details={"name": "王秀英", "region": world.our_village.code},
    )
    office = api_as(caseworker)
    too_early = office.post(f"/api/v1/referrals/{referral.pk}/link_person/", {"person": case.person.pk}, format="json")
    assert too_early.status_code == 409
    assert (
        api_as(charity_staff)
        .post(f"/api/v1/referrals/{referral.pk}/link_person/", {"person": case.person.pk}, format="json")
        .status_code
        == 403
    )
    office.post(f"/api/v1/referrals/{referral.pk}/accept/")
    page = browser(caseworker).get(f"/cases/{referral.pk}/").content.decode()
    assert case.person.id_number_masked in page  # the register's match for the name is offered
    response = browser(caseworker).post(f"/cases/{referral.pk}/link_person/", {"person": case.person.pk})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.person == case.person and referral.person_details["name"] == "王秀英"
    assert Notification.objects.filter(recipient=charity_staff, kind="registered").exists()
    again = office.post(f"/api/v1/referrals/{referral.pk}/link_person/", {"person": case.person.pk}, format="json")
    assert again.status_code == 409


def test_exporting_the_happiness_list_is_audited(world: World, case: Case, caseworker: User) -> None:
    from audit.models import AuditEntry

    assert browser(caseworker).get("/cases/happiness/export.xlsx").status_code == 200
    assert AuditEntry.objects.filter(action="export", actor=caseworker, changes__export="happiness_list").exists()


def test_the_timeline_names_each_step_once(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    referral = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/start/").status_code == 200
    page = browser(caseworker).get(f"/cases/{referral.pk}/").content.decode()
    assert "已接收" in page and "已接收 → 已接收" not in page
    # A step whose words differ from the state it leads to still says where it led.
    assert "开始帮扶 → 帮扶中" in page


def test_a_done_action_is_not_confused_with_the_completed_status(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    """接收 succeeded reads 办理成功：接收。 — 已完成 is the status of a referral whose help was given."""
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="sent",
    )
    page = browser(charity_staff).post(f"/cases/{referral.pk}/accept/", follow=True).content.decode()
    assert "办理成功：接收。" in page and "已完成：" not in page
