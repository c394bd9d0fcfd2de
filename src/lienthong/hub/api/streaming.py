"""Sending a stored payload without holding it in memory, under ASGI and WSGI alike.

Django's ASGI handler reads a synchronous iterator (a plain ``FileResponse``) into one list
before sending the first byte, so a 200 MB payload would cost 200 MB per download. Under ASGI
the payload is read in chunks in a worker thread and yielded asynchronously instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import BinaryIO

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, HttpRequest, StreamingHttpResponse

CHUNK_BYTES = 256 * 1024


class _AsyncChunks:
    """An async iterable over a file; ``close`` lets Django close the file when it is done."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        read = sync_to_async(self._stream.read, thread_sensitive=False)
        while chunk := await read(CHUNK_BYTES):
            yield chunk

    def close(self) -> None:
        self._stream.close()


def payload_response(
    request: HttpRequest, stream: BinaryIO, *, size: int, content_type: str
) -> StreamingHttpResponse:
    if not isinstance(request, ASGIRequest):
        return FileResponse(stream, content_type=content_type)
    response = StreamingHttpResponse(_AsyncChunks(stream), content_type=content_type)
    response["Content-Length"] = str(size)
    return response
