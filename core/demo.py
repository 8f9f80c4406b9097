"""Demo regions and organizations for ``seed_demo`` (a county in northern Shaanxi)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from core.models import GroupType, Organization, OrganizationKind, Region
from core.services import regions_import_csv
from core.validators import credit_code_check_char

DEMO_REGIONS_CSV = Path(settings.BASE_DIR) / "data" / "demo_regions.csv"
DEMO_COUNTY = "610622000000"
DEMO_TOWNSHIP = "610622100000"
OTHER_COUNTY = "610621000000"


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


# (key, kind, group_type, name, credit code body or "", region, service regions, phone, address)
ORGANIZATIONS: list[tuple[str, str, str, str, str, str, list[str], str, str]] = [
    (
        "bureau",
        OrganizationKind.CIVIL_AFFAIRS_BUREAU,
        "",
        "延川县民政局",
        "11610622MB0123456",
        DEMO_COUNTY,
        [DEMO_COUNTY],
        "0911-8112301",
        "延川县大禹街道政府街12号",
    ),
    (
        "yongping_office",
        OrganizationKind.TOWNSHIP_OFFICE,
        "",
        "延川县永坪镇人民政府",
        "11610622MB0234567",
        DEMO_TOWNSHIP,
        [DEMO_TOWNSHIP],
        "0911-8150002",
        "延川县永坪镇永坪村",
    ),
    (
        "yongping_station",
        OrganizationKind.SERVICE_STATION,
        "",
        "永坪镇民政服务站",
        "",
        DEMO_TOWNSHIP,
        [DEMO_TOWNSHIP],
        "0911-8150118",
        "延川县永坪镇便民服务中心一楼",
    ),
    (
        "dayu_station",
        OrganizationKind.SERVICE_STATION,
        "",
        "大禹街道民政服务站",
        "",
        "610622001000",
        ["610622001000"],
        "0911-8113366",
        "延川县大禹街道城关社区",
    ),
    (
        "charity",
        OrganizationKind.CHARITY,
        "",
        "延川县慈善协会",
        "51610622MJ1234567",
        DEMO_COUNTY,
        [DEMO_COUNTY],
        "0911-8118899",
        "延川县大禹街道文化路8号",
    ),
    (
        "womens_federation",
        OrganizationKind.GROUP_ORGANIZATION,
        GroupType.WOMENS_FEDERATION,
        "延川县妇女联合会",
        "13610622MB0345678",
        DEMO_COUNTY,
        [DEMO_COUNTY],
        "0911-8112455",
        "延川县大禹街道政府街20号",
    ),
    (
        "red_cross",
        OrganizationKind.GROUP_ORGANIZATION,
        GroupType.RED_CROSS,
        "延川县红十字会",
        "13610622MB0456789",
        DEMO_COUNTY,
        [DEMO_COUNTY],
        "0911-8112120",
        "延川县大禹街道人民路3号",
    ),
    (
        "enterprise",
        OrganizationKind.ENTERPRISE,
        "",
        "延川县永坪红枣食品有限公司",
        "91610622MA6X123456",
        DEMO_TOWNSHIP,
        [DEMO_COUNTY],
        "0911-8150666",
        "延川县永坪镇工业园区",
    ),
    (
        "volunteers",
        OrganizationKind.VOLUNTEER_TEAM,
        "",
        "延川县黄河红枣志愿服务队",
        "",
        DEMO_COUNTY,
        [DEMO_COUNTY],
        "13909112233",
        "延川县大禹街道东关社区",
    ),
    (
        "social_work",
        OrganizationKind.SOCIAL_WORK_AGENCY,
        "",
        "延川县益众社会工作服务中心",
        "52610622MJ2345678",
        DEMO_COUNTY,
        [DEMO_COUNTY],
        "0911-8117788",
        "延川县大禹街道北关路15号",
    ),
    (
        "guangzhou_charity",
        OrganizationKind.CHARITY,
        "",
        "广州市慈善会",
        "53440100MJ3456789",
        "440100000000",
        [DEMO_COUNTY],
        "020-83550000",
        "广州市越秀区",
    ),
    (
        "other_bureau",
        OrganizationKind.CIVIL_AFFAIRS_BUREAU,
        "",
        "延长县民政局",
        "11610621MB0567890",
        OTHER_COUNTY,
        [OTHER_COUNTY],
        "0911-8612301",
        "延长县七里村街道",
    ),
    (
        "other_charity",
        OrganizationKind.CHARITY,
        "",
        "延长县阳光助困基金会",
        "53610621MJ4567890",
        OTHER_COUNTY,
        [OTHER_COUNTY],
        "0911-8618866",
        "延长县七里村街道石油路6号",
    ),
]


def seed_regions() -> None:
    result = regions_import_csv(text=DEMO_REGIONS_CSV.read_text(encoding="utf-8"))
    if not result.ok:  # the shipped table is fixed; a failure here is a bug in it
        raise RuntimeError("; ".join(f"line {e.line}: {e.message}" for e in result.errors))


def seed_organizations() -> dict[str, Organization]:
    organizations: dict[str, Organization] = {}
    for key, kind, group_type, name, code_body, region, served, phone, address in ORGANIZATIONS:
        organization, created = Organization.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "group_type": group_type,
                "credit_code": credit_code(code_body[:17]) if code_body else "",
                "region_id": region,
                "contact_phone": phone,
                "address": address,
            },
        )
        if created:
            organization.service_regions.set(Region.objects.filter(code__in=served))
        organizations[key] = organization
    return organizations
