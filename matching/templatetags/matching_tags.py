from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def match_for(matches: dict[int, Any] | None, need_id: int) -> Any:
    """The confirmed proposal behind a need, from the dict the 幸福清单 view passes."""
    return (matches or {}).get(need_id)
