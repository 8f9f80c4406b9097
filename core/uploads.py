"""Uploads over the size limit are refused without being stored, in memory or on disk.

Django keeps a small upload in memory and writes a large one to a temporary file, and only then
does a view see its size. :class:`OversizedUploadHandler` runs first: when the request's body is
larger than ``UPLOAD_MAX_REQUEST_BYTES`` it counts each file's bytes and drops them, handing the
view a :class:`DiscardedUpload` that has the name, declared type and real size but no content.
The view's own check (``core.spreadsheets.check_upload``, the consent evidence check) then refuses
it with its usual Chinese message ("the file is 50.0 MB; the limit is 10 MB") instead of a 500 or
Django's English 400 page. The form's other fields (the CSRF token) are read as usual. Bodies that are
not forms with files get :class:`RequestTooLargeMiddleware`'s Chinese 413 when too large to read.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class DiscardedUpload(UploadedFile):
    """A file that was too large to keep: its size is what was sent, its content is empty."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)
        self.discarded = True


class OversizedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.discard = False
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.discard = content_length > settings.UPLOAD_MAX_REQUEST_BYTES
        if self.discard:
            logger.warning(
                "Upload of %d bytes to %s is over the limit; its files are dropped unread",
                content_length,
                getattr(self.request, "path", "?"),
            )

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.discard:
            raise StopFutureHandlers  # no other handler keeps it in memory or on disk

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if not self.discard:
            return raw_data
        self.received += len(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.discard:
            return None
        return DiscardedUpload(self.file_name or "", self.content_type or "", self.received, self.charset)


class RequestTooLargeMiddleware:
    """Refuse, before anything reads it, a body too large to be read: a clear Chinese 413 (JSON under /api/).

    Multipart bodies (forms with files) are left to :class:`OversizedUploadHandler`, which lets the form
    show its own size error. Any other body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` would make Django
    answer its bare English "Bad Request (400)" page when the body is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if multipart or limit is None or length <= limit:
            return self.get_response(request)
        logger.warning("Refused a %d-byte %s body to %s", length, request.META.get("CONTENT_TYPE", ""), request.path)
        with translation.override(translation.get_language_from_request(request)):
            message = _("What you sent is too large (%(size).1f MB) and was not read.") % {"size": length / 1_048_576}
            if request.path.startswith("/api/"):
                response: HttpResponse = JsonResponse({"detail": message, "code": "request_too_large"}, status=413)
            else:
                page = render_to_string("errors/standalone.html", {"title": _("Too large"), "message": message})
                response = HttpResponse(page, status=413)
        # No "Connection: close": it is a hop-by-hop header, which a WSGI application may not set
        # (the development server answered 500 for it); the server decides about the connection.
        return response
