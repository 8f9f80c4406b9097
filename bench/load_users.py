"""The load benchmark's people (bench/load.py): the personas it creates in the bench database, the
locust users on gevent (caseworkers, station workers and charity staff signing in with two factors
and running the county's mix, and the /healthz/live driver), and what the users of one run share.
Imported by bench/load.py after gevent has patched the standard library."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

PASSWORD = "Load-bench-2026-pass"  # noqa: S105 - bench-only accounts in the bench database
CASEWORKERS, STATION_WORKERS, CHARITY_STAFF = 20, 10, 20
COUNTIES_USED = 10
# The need form's question when the person already has an open need of the same kind (zh-hans).
REPEAT_QUESTION = "已有同类未办结的需求"


def make_personas() -> dict[str, Any]:
    """Users with their roles, places and what each may work on; returned to the driver."""
    import pyotp
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Role, TOTPDevice, User
    from bench import referrals as referral_bench
    from beneficiaries.models import Consent, ConsentMethod, ConsentPurpose, Person, RecipientScope
    from cases.models import Direction, Referral, ReferralStatus
    from core.models import Organization, OrganizationKind

    def user(username: str, **fields: Any) -> dict[str, Any]:
        account = User.objects.filter(username=username).first()
        if account is None:
            account = User(username=username, **fields)
            account.set_password(PASSWORD)
            account.save()
        else:
            for name, value in fields.items():
                setattr(account, name, value)
            account.is_active = True
            account.save()
        secret = pyotp.random_base32()
        TOTPDevice.objects.update_or_create(
            user=account,
            defaults={"secret": secret, "confirmed": True, "last_used_step": 0, "confirmed_at": timezone.now()},
        )
        return {"username": username, "password": PASSWORD, "totp": secret, "id": account.pk}

    def sample(prefix: str, count: int) -> list[tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                # People of the register's generator (with an ID number), not the referral bench's
                # "居民N": real-looking names, common and rare, from anywhere in the table.
                "SELECT id, name FROM beneficiaries_person TABLESAMPLE SYSTEM (5) "
                "WHERE region_id LIKE %s AND id_number <> '' ORDER BY random() LIMIT %s",
                [prefix + "%", count],
            )
            rows = cursor.fetchall()
            if len(rows) < count:
                cursor.execute(
                    "SELECT id, name FROM beneficiaries_person WHERE region_id LIKE %s ORDER BY id LIMIT %s",
                    [prefix + "%", count],
                )
                rows = cursor.fetchall()
        return rows

    counties = [referral_bench.county_code(n) for n in range(COUNTIES_USED)]
    # Charities with the most referrals waiting for them (sent, accepted, in progress).
    waiting = (
        Referral.objects.filter(
            direction=Direction.TO_CHARITY,
            status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS],
            to_organization__kind=OrganizationKind.CHARITY,
        )
        .values("to_organization")
        .annotate(n=Count("id"))
        .order_by("-n")[:CHARITY_STAFF]
    )
    charities = [(row["to_organization"], row["n"]) for row in waiting]
    now = timezone.now()
    people: dict[str, Any] = {"caseworkers": [], "stations": [], "charity": [], "charities": []}
    for i in range(CASEWORKERS):
        county = counties[i % len(counties)]
        bureau = Organization.objects.filter(kind=OrganizationKind.CIVIL_AFFAIRS_BUREAU, region_id=county).first()
        account = user(f"load_cw_{i:02d}", role=Role.CASEWORKER, organization=bureau, jurisdiction_id=county)
        found = sample(county[:6], 40)
        consented = []
        # Adults: a child under 14 consents only through a guardian, and sending would rightly fail.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM beneficiaries_person WHERE id = ANY(%s) AND birth_date < now() - interval '18 years'",
                [[pid for pid, _name in found]],
            )
            adults = [row[0] for row in cursor.fetchall()]
        for person_id in adults[:3]:
            consent = Consent.objects.create(
                person_id=person_id,
                purposes=[ConsentPurpose.CHARITY_REFERRAL],
                recipient_scope=RecipientScope.NETWORK,
                fields=["name"],
                method=ConsentMethod.SIGNED_FORM,
                granted_at=now - timedelta(days=1),
                expires_at=now + timedelta(days=365),
                recorded_by_id=account["id"],
            )
            consented.append([person_id, consent.pk])
        people["caseworkers"].append(
            account
            | {
                "county": county,
                "names": [name for _id, name in found],
                "persons": [pid for pid, _name in found],
                "consented": consented,
            }
        )
    for i in range(STATION_WORKERS):
        township = counties[i % len(counties)][:6] + "100000"
        station, _ = Organization.objects.get_or_create(
            name=f"压测{i}镇民政服务站", defaults={"kind": OrganizationKind.SERVICE_STATION, "region_id": township}
        )
        account = user(f"load_sw_{i:02d}", role=Role.STATION_WORKER, organization=station, jurisdiction_id=township)
        found = sample(township[:9], 40)
        people["stations"].append(
            account | {"township": township, "names": [n for _i, n in found], "persons": [pid for pid, _n in found]}
        )
    for i, (charity_id, count) in enumerate(charities):
        account = user(f"load_ch_{i:02d}", role=Role.CHARITY_STAFF, organization_id=charity_id, jurisdiction=None)
        people["charity"].append(account | {"organization": charity_id, "waiting": count})
    people["charities"] = [charity_id for charity_id, _n in charities]
    people["data"] = {
        "persons": Person.objects.count(),
        "referrals": Referral.objects.count(),
        "organizations": Organization.objects.count(),
        "waiting_per_charity": [n for _c, n in charities],
    }
    with connection.cursor() as cursor:
        like = [counties[0][:6] + "%"]  # the first county, as an example
        cursor.execute("SELECT count(*) FROM beneficiaries_person WHERE region_id LIKE %s", like)
        people["data"]["persons_in_county"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cases_referral WHERE region_id LIKE %s", like)
        people["data"]["referrals_in_county"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM beneficiaries_need")
        people["data"]["needs"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM charities_resource")
        people["data"]["resources"] = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        people["data"]["postgresql"] = cursor.fetchone()[0]
        cursor.execute("SELECT step, scale, seconds FROM bench_load_seed ORDER BY step")
        people["data"]["seeded"] = [list(row) for row in cursor.fetchall()]
    from bench.load_settings import OVERRIDES

    people["overrides"] = {name: [value, why] for name, (value, why) in OVERRIDES.items()}
    return people


# =====================================================================================
# The driver (locust as a library, on gevent)
# =====================================================================================
class Shared:
    """What the users of one run share: their personas and how many have signed in."""

    personas: dict[str, Any] = {}
    ready = 0
    sign_in_failures: list[str] = []
    transitions: dict[str, int] = {}
    # Needs whose first POST was answered "this person already has an open need of this kind" (the
    # app asks first, #15): the user then ticks "record as a new need" and saves again.
    repeat_questions = 0


def build_users(think: tuple[float, float]) -> tuple[list[type], type]:
    from urllib.parse import urlencode

    import pyotp
    from locust import FastHttpUser, between, task  # type: ignore[import-not-found,unused-ignore]

    form = {"Content-Type": "application/x-www-form-urlencoded"}

    class Staff(FastHttpUser):
        abstract = True
        wait_time = between(*think)
        pool = ""

        def on_start(self) -> None:
            self.me: dict[str, Any] = Shared.personas[self.pool].pop()
            try:
                self.sign_in()
                self.after_sign_in()
            finally:
                Shared.ready += 1  # the statistics are reset once every user got here

        def after_sign_in(self) -> None:
            pass

        def csrf(self) -> str:
            return next((c.value or "" for c in self.client.cookiejar if c.name == "csrftoken"), "")

        def headers(self, **extra: str) -> dict[str, str]:
            return {"X-CSRFToken": self.csrf(), "Referer": self.host + "/", **extra}

        def sign_in(self) -> None:
            self.client.get("/accounts/login/", name="sign-in page")
            body = {
                "username": self.me["username"],
                "password": self.me["password"],
                "csrfmiddlewaretoken": self.csrf(),
            }
            with self.client.post(
                "/accounts/login/",
                data=urlencode(body),
                headers=self.headers(**form),
                name="sign-in",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302 or "two-factor" not in ((response.headers or {}).get("location") or ""):
                    response.failure(f"password step answered {response.status_code}")
                    Shared.sign_in_failures.append(self.me["username"])
                    return
            code = pyotp.TOTP(self.me["totp"]).now()
            with self.client.post(
                "/accounts/two-factor/",
                data=urlencode({"code": code, "csrfmiddlewaretoken": self.csrf()}),
                headers=self.headers(**form),
                name="sign-in (two-factor)",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                location = (response.headers or {}).get("location") or ""
                if response.status_code != 302 or "login" in location or "two-factor" in location:
                    response.failure(f"two-factor step answered {response.status_code} {location}")
                    Shared.sign_in_failures.append(self.me["username"])

        def page(self, path: str, name: str) -> None:
            with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code} {(response.headers or {}).get('location') or ''}")

        def api(self, path: str, name: str, body: dict[str, Any] | None, expect: int, status: str = "") -> Any:
            with self.client.post(
                path, json=body or {}, headers=self.headers(), name=name, catch_response=True
            ) as response:
                if response.status_code != expect:
                    response.failure(f"{response.status_code} {(response.text or '')[:200]}")
                    return None
                data = response.json()
                if status and data.get("status") != status:
                    response.failure(f"status {data.get('status')!r}, expected {status!r}")
                    return None
                return data

        def log_need(self, role: str) -> None:
            body = {
                "person": random.choice(self.me["persons"]),
                "category": random.choice(["living", "medical", "education", "housing", "care"]),
                "urgency": random.choice(["routine", "routine", "urgent"]),
                "description": "走访发现：家中老人住院，医疗费用负担重。",
                "amount_requested": "",
                "source": "visit",
                "csrfmiddlewaretoken": self.csrf(),
            }
            for confirmed in (False, True):
                if confirmed:
                    body["confirm_new"] = "on"
                with self.client.post(
                    "/register/needs/new/",
                    data=urlencode(body),
                    headers=self.headers(**form),
                    name=f"need logging POST /register/needs/new/ ({role})",
                    allow_redirects=False,
                    catch_response=True,
                ) as response:
                    if response.status_code == 302 and "/register/needs/" in (
                        (response.headers or {}).get("location") or ""
                    ):
                        return
                    if not confirmed and response.status_code == 200 and REPEAT_QUESTION in (response.text or ""):
                        response.success()  # the app rightly asks first; answered below
                        Shared.repeat_questions += 1
                        continue
                    response.failure(f"{response.status_code}: the form was not accepted")
                    return

    class Caseworker(Staff):
        fixed_count = CASEWORKERS
        pool = "caseworkers"

        @task(3)
        def inbox(self) -> None:
            self.page("/cases/", "inbox /cases/ (caseworker)")

        @task(1)
        def inbox_expiring(self) -> None:
            self.page("/cases/?tab=expiring", "inbox /cases/?tab=expiring (caseworker)")

        @task(3)
        def search(self) -> None:
            self.page(f"/register/?q={random.choice(self.me['names'])}", "person search /register/?q= (caseworker)")

        @task(1)
        def need(self) -> None:
            self.log_need("caseworker")

        @task(1)
        def refer(self) -> None:
            person, consent = random.choice(self.me["consented"])
            body = {
                "direction": "to_charity",
                "person": person,
                "to_organization": random.choice(Shared.personas["charity_ids"]),
                "consent": consent,
                "shared_fields": ["name"],
                "note": "住院费用困难，请协助。",
            }
            created = self.api("/api/v1/referrals/", "referral create POST /api/v1/referrals/", body, 201, "draft")
            if created:
                sent = self.api(f"/api/v1/referrals/{created['id']}/send/", "referral send (API)", None, 200, "sent")
                if sent:
                    Shared.transitions["send"] = Shared.transitions.get("send", 0) + 1
                    self.page(f"/cases/{created['id']}/", "referral detail /cases/<id>/ (caseworker)")

    class StationWorker(Staff):
        fixed_count = STATION_WORKERS
        pool = "stations"

        @task(2)
        def needs(self) -> None:
            self.page("/register/needs/", "need list /register/needs/ (station)")

        @task(2)
        def search(self) -> None:
            self.page(f"/register/?q={random.choice(self.me['names'])}", "person search /register/?q= (station)")

        @task(2)
        def need(self) -> None:
            self.log_need("station")

    class CharityStaff(Staff):
        fixed_count = CHARITY_STAFF
        pool = "charity"

        def after_sign_in(self) -> None:
            # What is waiting for this charity, oldest step first (one staff member per charity,
            # so no one else moves these referrals).
            self.queues: dict[str, list[int]] = {s: [] for s in ("sent", "accepted", "in_progress")}
            for status in self.queues:
                self.refill(status)

        def refill(self, status: str) -> None:
            with self.client.get(
                f"/api/v1/referrals/?direction=to_charity&status={status}&page_size=25",
                name="referral list (API, charity)",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(str(response.status_code))
                    return
                self.queues[status] = [r["id"] for r in response.json()["results"]]

        @task(2)
        def incoming(self) -> None:
            self.page("/cases/?tab=incoming", "inbox /cases/?tab=incoming (charity)")

        @task(2)
        def in_progress(self) -> None:
            self.page("/cases/?tab=in_progress", "inbox /cases/?tab=in_progress (charity)")

        @task(1)
        def detail(self) -> None:
            waiting = [pk for queue in self.queues.values() for pk in queue]
            if waiting:
                self.page(f"/cases/{random.choice(waiting)}/", "referral detail /cases/<id>/ (charity)")

        @task(4)
        def move(self) -> None:
            steps = [
                (
                    "in_progress",
                    "feedback",
                    "completed",
                    {"outcome": "helped", "amount": "800", "note": "已发放救助金"},
                ),
                ("accepted", "start", "in_progress", None),
                ("sent", "accept", "accepted", None),
            ]
            if not any(self.queues.values()):
                self.refill("sent")
            # Take the steps in turn (feedback, start, accept, feedback, …), so a short run reaches every
            # one: oldest-step-first alone spent a minute on the 25 referrals in progress.
            self.turn = (getattr(self, "turn", -1) + 1) % len(steps)
            for source, action, target, body in steps[self.turn :] + steps[: self.turn]:
                if self.queues[source]:
                    pk = self.queues[source].pop(0)
                    if self.api(f"/api/v1/referrals/{pk}/{action}/", f"referral {action} (API)", body, 200, target):
                        Shared.transitions[action] = Shared.transitions.get(action, 0) + 1
                        if target in self.queues:
                            self.queues[target].append(pk)
                    return

    class Hello(FastHttpUser):
        wait_time = between(*think)

        def on_start(self) -> None:
            Shared.ready += 1

        @task
        def live(self) -> None:
            with self.client.get("/healthz/live", name="hello /healthz/live", catch_response=True) as response:
                if response.status_code != 200 or response.text != "ok":
                    response.failure(str(response.status_code))

    return [Caseworker, StationWorker, CharityStaff], Hello
