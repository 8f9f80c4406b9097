"""Ids-first paging: choose a page's ids without the joins, then read only those rows with them.

A list filtered by a region prefix (``region_id LIKE '611021%'``) is planned from PostgreSQL's
estimate of the prefix's share, taken from a random sample at the last ANALYZE. With one sample
in three it believed a county held 800 referrals instead of 10,000, and planned the page as a
join of every matching row with its people, regions and organizations, sorted, of which it kept
25 (153-376 ms instead of 34 ms; bench/plans.py). Choosing the ids first is one narrow query whose
plan does not depend on that guess (an index range, then a top-N sort of ids), and the joins then
run for the page's rows only. The count is a separate query either way.

Both helpers keep the list's filters when they read the rows (``rows.filter(pk__in=ids)``), so the
rows shown are always rows the list's filters allow, in the order the ids were chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def ids_of(rows: QuerySet[M]) -> QuerySet[Any]:
    """The list's ids in the list's order, without its joins and prefetches."""
    return rows.select_related(None).prefetch_related(None).values_list("pk", flat=True)


def rows_for_ids(rows: QuerySet[M], ids: Sequence[Any]) -> list[M]:
    """The rows of ``ids`` (with the list's joins and prefetches), in the order of ``ids``."""
    if not ids:
        return []
    by_pk = {row.pk: row for row in rows.filter(pk__in=list(ids)).order_by()}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def ids_first_page(rows: QuerySet[M], per_page: int, number: Any, *, count: int | None = None) -> Page[M]:
    """``Paginator(rows, per_page).get_page(number)``, choosing the page's ids first.

    ``count``: the number of rows when the caller has counted them already."""
    paginator = Paginator(ids_of(rows), per_page)
    if count is not None:
        paginator.count = count
    ids = paginator.get_page(number)
    return Page(rows_for_ids(rows, list(ids.object_list)), ids.number, paginator)
