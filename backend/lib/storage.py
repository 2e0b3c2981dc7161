"""Where uploaded files live: a local folder (one host) or an S3-compatible bucket (several hosts).

Keys are relative paths, the same in both: `gazette/<32 hex>.jpg` is the file
`<media_dir>/gazette/<32 hex>.jpg` or the object `<s3_prefix>gazette/<32 hex>.jpg`. So a backup's
`media/` folder (backend/ops/backup.py) restores into either kind.

Files are always served by the app (`open()` streams them to the response), never from public
bucket URLs: the bucket stays private and every read goes through the same access checks.

The S3 backend uses aiobotocore (botocore's maintained S3 client on aiohttp, which Vigie already
runs for Web Push): requests are signed and retried by botocore, run on the app's event loop
without a thread per call, and the object's body is streamed as it arrives. boto3 in a thread
would hold a thread per transfer and buffer nothing better.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Protocol

import anyio

from backend.lib.errors import DomainError
from backend.settings import InvalidSetting, Settings, media_storage_problems

CHUNK = 64 * 1024


class StorageUnavailable(DomainError):
    """The bucket did not answer (network, credentials): a 503 the person may retry."""

    status_code = 503

    def __init__(self) -> None:
        super().__init__("Les photos sont momentanément indisponibles. Réessayez dans un instant.",
                         "storage_unavailable")


@dataclass(frozen=True)
class StoredFile:
    """An opened file: its size and type, and its bytes as they come (`chunks` is read once)."""

    size: int
    media_type: str
    chunks: AsyncIterator[bytes]

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks])


class MediaStorage(Protocol):
    """The narrow interface the domains use; `kind` is "local" or "s3"."""

    kind: str

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        """Store `data` under `key` whole (a reader never sees half a file)."""

    async def open(self, key: str) -> StoredFile | None:
        """The file under `key`, or None when there is none."""

    async def delete(self, keys: list[str]) -> None:
        """Remove these files; missing ones are ignored."""

    async def keys(self) -> list[str]:
        """Every stored key (backups, restore checks), sorted."""

    async def close(self) -> None:
        """Release connections (the app's shutdown)."""


def media_type_of(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def _safe(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files under one folder of this host (the default; one host only, or a shared mount)."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / _safe(key)

    def _write(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.part")  # dot files are never listed nor served
        temporary.write_bytes(data)
        os.replace(temporary, target)

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        await asyncio.to_thread(self._write, key, data)

    async def open(self, key: str) -> StoredFile | None:
        path = self.path(key)
        try:
            handle = await anyio.open_file(path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        size = os.fstat(handle.wrapped.fileno()).st_size

        async def chunks() -> AsyncIterator[bytes]:
            async with handle:
                while chunk := await handle.read(CHUNK):
                    yield chunk

        return StoredFile(size, media_type_of(key), chunks())

    async def delete(self, keys: list[str]) -> None:
        for key in keys:
            try:
                self.path(key).unlink()
            except FileNotFoundError:
                pass

    async def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*")
                      if p.is_file() and not any(part.startswith(".") for part in p.relative_to(self.root).parts))

    async def close(self) -> None:
        return None


class S3Storage:
    """Objects in an S3-compatible bucket shared by every host (Scaleway, OVHcloud, MinIO, Garage, AWS)."""

    kind = "s3"

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        self._settings = settings
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        """The one client of this process, made on first use (its connection pool is reused)."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    # lazy: only instances configured for S3 load botocore
                    from aiobotocore.config import AioConfig
                    from aiobotocore.session import get_session

                    s = self._settings
                    stack = AsyncExitStack()
                    self._client = await stack.enter_async_context(get_session().create_client(
                        "s3", endpoint_url=s.s3_endpoint_url or None, region_name=s.s3_region or "us-east-1",
                        aws_access_key_id=s.s3_access_key_id or None,
                        aws_secret_access_key=s.s3_secret_access_key or None,
                        config=AioConfig(s3={"addressing_style": s.s3_addressing_style}, connect_timeout=5,
                                         read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})))
                    self._stack = stack
        return self._client

    def _name(self, key: str) -> str:
        return self.prefix + _safe(key)

    async def _call(self, operation: str, **kwargs: Any) -> Any:
        # lazy: botocore is there whenever this class is used
        from botocore.exceptions import BotoCoreError, ClientError

        client = await self._s3()
        try:
            return await getattr(client, operation)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(kwargs.get("Key")) from None
            raise StorageUnavailable() from exc
        except (BotoCoreError, OSError, asyncio.TimeoutError) as exc:
            raise StorageUnavailable() from exc

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        await self._call("put_object", Key=self._name(key), Body=data, ContentType=media_type)

    async def open(self, key: str) -> StoredFile | None:
        try:
            answer = await self._call("get_object", Key=self._name(key))
        except FileNotFoundError:
            return None
        body = answer["Body"]

        async def chunks() -> AsyncIterator[bytes]:
            async with body:  # gives the connection back to the pool, read to the end or not
                async for chunk in body.iter_chunks(CHUNK):
                    yield chunk

        return StoredFile(int(answer["ContentLength"]), answer.get("ContentType") or media_type_of(key), chunks())

    async def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes 1,000 keys at most
            batch = [{"Key": self._name(k)} for k in keys[start:start + 1000]]
            await self._call("delete_objects", Delete={"Objects": batch, "Quiet": True})

    async def keys(self) -> list[str]:
        client = await self._s3()
        found: list[str] = []
        try:
            async for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                found += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
        except Exception as exc:  # botocore's errors, the network's
            raise StorageUnavailable() from exc
        return sorted(found)

    async def close(self) -> None:
        if self._stack is not None:
            stack, self._stack, self._client = self._stack, None, None
            await stack.aclose()


def make_storage(settings: Settings) -> MediaStorage:
    """The storage `settings` describe; InvalidSetting when they are incomplete (in any environment)."""
    if problems := media_storage_problems(settings):
        raise InvalidSetting("; ".join(problems))
    if settings.media_storage == "s3":
        return S3Storage(settings)
    return LocalStorage(settings.media_path)
