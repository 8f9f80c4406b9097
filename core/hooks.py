"""Hooks: how a lower app asks a higher one without importing it.

Layers run one way (docs/architecture.md): core → accounts → audit → beneficiaries → charities →
cases → matching / supervision / dashboards. When a lower app's rule needs a higher app's answer
(consent revoked → cases withdraws referrals; a need logged → supervision flags a declared
relative), the lower app declares a ``Hook`` and calls it inside its own service, in its
transaction; the higher app connects a receiver in its ``AppConfig.ready``. Unlike a signal, a
hook is called explicitly by the one service that owns the rule, its receivers' errors propagate
(a refusal stops the write) and ``required`` hooks refuse to run with no receiver, so a missing
registration is an error instead of a rule silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    def __init__(self, name: str, *, required: bool = False) -> None:
        self.name = name
        self.required = required
        self._receivers: list[Callable[..., Any]] = []

    def connect(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        if receiver not in self._receivers:  # AppConfig.ready may run twice in tests
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[..., Any]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._receivers)

    def __call__(self, **kwargs: Any) -> list[Any]:
        if self.required and not self._receivers:
            raise RuntimeError(f"Hook {self.name!r} has no receiver: is its app in INSTALLED_APPS?")
        return [receiver(**kwargs) for receiver in self._receivers]

    def __repr__(self) -> str:
        return f"<Hook {self.name} ({len(self._receivers)} receivers)>"
