"""The public complaint form under abuse: never a 500, whatever is posted."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_an_empty_post_over_the_hourly_limit_is_a_429_not_a_500(client: Client, settings) -> None:
    settings.COMPLAINT_FORM_RATE_PER_HOUR = 1
    statuses = [client.post("/supply/public/complaint/", {}).status_code for _ in range(3)]
    assert statuses[0] == 200  # shown again with what is missing
    assert statuses[1:] == [429, 429]


@pytest.mark.django_db
def test_an_empty_post_shows_the_form_again(client: Client) -> None:
    response = client.post("/supply/public/complaint/", {})
    assert response.status_code == 200
    assert response.context["form"].errors
