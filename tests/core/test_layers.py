"""Layers run one way (docs/architecture.md): the import-linter contract in pyproject.toml holds, and
it would notice the register importing the cases app again (the import consent revocation had)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_layer_contract_is_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_register_importing_cases_breaks_it(tmp_path):
    for name in (
        "core",
        "accounts",
        "audit",
        "beneficiaries",
        "charities",
        "cases",
        "matching",
        "supervision",
        "dashboards",
    ):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    consent = tmp_path / "beneficiaries" / "services" / "consent.py"
    consent.write_text(consent.read_text() + "\nfrom cases.services import referrals_withdraw_for_consent  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "beneficiaries.services.consent -> cases.services" in result.stdout
