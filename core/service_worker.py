"""The service worker of the station phone's offline page (docs/offline.md), served at ``/sw.js``.

A service worker controls the pages under the folder it is served from, so it is served from the
root (with ``Service-Worker-Allowed: /``), not from ``/static/js/``. The script is
``static/js/sw.js`` with its settings put in front: where the offline page and the static files are,
and a version taken from the script and those settings, so a new release installs a new worker that
drops the old copies. ``no-store``: the browser asks for the script each time it checks for an
update, never an old copy.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "sw.js"


@cache
def _script(offline_url: str, static_url: str) -> str:
    source = SCRIPT.read_text(encoding="utf-8")
    config = {"offlineUrl": offline_url, "staticUrl": static_url}
    version = hashlib.sha256((source + json.dumps(config, sort_keys=True)).encode()).hexdigest()[:12]
    config["version"] = version
    return f"const CONFIG = {json.dumps(config)};\n{source}"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    if settings.DEBUG:  # development: an edited sw.js is served at once
        _script.cache_clear()
    body = _script(reverse("cases:station_offline"), settings.STATIC_URL or "/static/")
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-store"
    return response
