"""Sensitive fields are ciphertext in the database; lookups use the blind index; keys rotate."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from beneficiaries.crypto import blind_index
from beneficiaries.models import Household, Person
from beneficiaries.selectors import person_search


def _raw(table: str, pk: int, *columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def test_the_database_column_holds_ciphertext(people):
    person = people.in_township
    person.health = "尿毒症"
    person.save()
    id_number, phone, health, index = _raw(
        "beneficiaries_person", person.pk, "id_number", "phone", "health", "id_number_index"
    )
    full = Person.objects.get(pk=person.pk).id_number
    assert full not in id_number and full[-4:] not in id_number
    assert "13812345678" not in phone
    assert "尿毒症" not in health
    assert id_number.startswith("gAAAA")  # a Fernet token
    assert index == blind_index(full) and full not in index


def test_household_income_is_ciphertext(people):
    household = people.in_township.household
    household.annual_income = "12000.00"
    household.save()
    (income,) = _raw("beneficiaries_household", household.pk, "annual_income")
    assert "12000" not in income
    assert Household.objects.get(pk=household.pk).income == 12000


def test_search_by_id_number_uses_the_blind_index(people, caseworker):
    full = Person.objects.get(pk=people.in_township.pk).id_number
    assert list(person_search(caseworker, full.lower())) == [people.in_township]
    assert list(person_search(caseworker, "王秀")) == [people.in_township]


def test_rotation_re_encrypts_under_the_new_key_and_old_values_still_read(people, settings):
    person = Person.objects.get(pk=people.in_township.pk)
    (old_token,) = _raw("beneficiaries_person", person.pk, "id_number")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    # Before rotation the old ciphertext still decrypts with the old key kept second.
    assert Person.objects.get(pk=person.pk).id_number == person.id_number
    out = StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "1", stdout=out)
    assert "re-encrypted" in out.getvalue()
    (new_token,) = _raw("beneficiaries_person", person.pk, "id_number")
    assert new_token != old_token
    # Only the new key is needed now.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Person.objects.get(pk=person.pk).id_number == person.id_number
    assert Person.objects.get(pk=person.pk).phone == "13812345678"


def test_rotation_also_re_encrypts_authenticator_secrets(caseworker, settings):
    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.create(user=caseworker, secret="JBSWY3DPEHPK3PXP", confirmed=True)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_encryption_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key dropped: two-step sign-in still works
    assert TOTPDevice.objects.get(pk=device.pk).secret == "JBSWY3DPEHPK3PXP"


def test_rotation_resumes_after_an_id(people, settings):
    out = StringIO()
    call_command("rotate_encryption_keys", "--start-id", str(people.other_county.pk), stdout=out)
    assert "beneficiaries_person: 0 rows" in out.getvalue()


@pytest.mark.parametrize("missing", ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_production_refuses_to_start_without_keys(tmp_path, missing):
    from tests.core.test_settings import PROBE, PRODUCTION_KEYS, run

    keys = {name: value for name, value in PRODUCTION_KEYS.items() if name != missing}
    result = run(PROBE, tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 60, **keys)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr
