"""The distribution spec's error codes as exceptions, so every layer raises what the client must read (cf. distribution registry/api/errcode)."""

from __future__ import annotations


class RegistryError(Exception):
    """An error in the distribution spec's shape: {"errors": [{"code", "message", "detail"}]} with its HTTP status."""

    status, code = 400, "UNKNOWN"

    def __init__(self, message: str, detail: object = None, status: int | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message, self.detail, self.headers = message, detail, dict(headers or {})
        self.status = status or type(self).status
        self.code = code or type(self).code

    def document(self) -> dict:
        return {"errors": [{"code": self.code, "message": self.message, "detail": self.detail}]}


def _code(name: str, status: int, code: str) -> type[RegistryError]:
    return type(name, (RegistryError,), {"status": status, "code": code, "__doc__": f"{status} {code}"})


BlobUnknown = _code("BlobUnknown", 404, "BLOB_UNKNOWN")
BlobUploadInvalid = _code("BlobUploadInvalid", 400, "BLOB_UPLOAD_INVALID")
BlobUploadUnknown = _code("BlobUploadUnknown", 404, "BLOB_UPLOAD_UNKNOWN")
DigestInvalid = _code("DigestInvalid", 400, "DIGEST_INVALID")
ManifestBlobUnknown = _code("ManifestBlobUnknown", 400, "MANIFEST_BLOB_UNKNOWN")
ManifestInvalid = _code("ManifestInvalid", 400, "MANIFEST_INVALID")
ManifestUnknown = _code("ManifestUnknown", 404, "MANIFEST_UNKNOWN")
NameInvalid = _code("NameInvalid", 400, "NAME_INVALID")
NameUnknown = _code("NameUnknown", 404, "NAME_UNKNOWN")
SizeInvalid = _code("SizeInvalid", 400, "SIZE_INVALID")
Unauthorized = _code("Unauthorized", 401, "UNAUTHORIZED")
Unsupported = _code("Unsupported", 405, "UNSUPPORTED")
TooManyRequests = _code("TooManyRequests", 429, "TOOMANYREQUESTS")
TagInvalid = _code("TagInvalid", 400, "TAG_INVALID")
RangeInvalid = _code("RangeInvalid", 416, "BLOB_UPLOAD_INVALID")
