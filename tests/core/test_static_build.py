"""The production static build (collectstatic with the hashed-manifest storage, as the Docker image
runs it) finds every file that a stylesheet or script refers to."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_production_storage_succeeds(tmp_path: Path, settings) -> None:
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chart.umd.js" in manifest
    assert "css/app.css" in manifest
