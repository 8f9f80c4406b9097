"""Uploads over the size limit are refused without being stored, in memory or on disk.

Django keeps a small upload in memory and writes a large one to a temporary file, and only then
does a view see its size. :class:`OversizedUploadHandler` runs first: when the request's body is
larger than ``UPLOAD_MAX_REQUEST_BYTES`` it counts each file's bytes and drops them, handing the
view a :class:`DiscardedUpload` that has the name, declared type and real size but no content.
The view's own check (``core.spreadsheets.check_upload``, the consent evidence check) then refuses
it with its usual Chinese message ("the file is 50.0 MB; the limit is 10 MB") instead of a 500 or
Django's English 400 page. The form's other fields (the CSRF token) are read as usual.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

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
