"""RFC 3161 trusted timestamps over a bundle's manifest (``rfc3161-client``): the request sent to a timestamp
authority (TSA), and the check of its answer. A token proves that the exact bytes of ``datapackage.json`` (and so,
through their SHA-256, every file of the bundle) existed at the TSA's time, independently of our own clock and key.

This module does no I/O: ``services.evidence`` sends the request (through ``safehttp``) and stores the answer in the
bundle as ``tipwatch-timestamp.tsr``; ``bundle.verify`` checks it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

MEDIA_TYPE = "application/timestamp-query"
SHA256_OID = "2.16.840.1.101.3.4.2.1"


class TimestampError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Stamp:
    at: datetime  # the TSA's time (genTime)
    serial: int
    signature_checked: bool  # against trusted roots given by the checker; else the imprint only


def request(data: bytes) -> bytes:
    """A DER TimeStampReq over SHA-256(data), with a nonce, asking for the TSA's certificate in the answer."""
    built = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256)
    return built.nonce(nonce=True).cert_request(cert_request=True).build().as_bytes()


def check(answer: bytes, data: bytes, roots_pem: bytes | None = None) -> Stamp:
    """The token in ``answer`` must be granted and cover SHA-256(data); with ``roots_pem`` (the TSA's root
    certificates, PEM) its signature and certificate chain are checked too. Raises TimestampError saying why not."""
    try:
        response = decode_timestamp_response(answer)
    except (ValueError, TypeError) as exc:
        raise TimestampError(f"not an RFC 3161 timestamp response ({exc})") from None
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"the timestamp authority did not grant it (status {response.status})")
    info = response.tst_info
    imprint = info.message_imprint
    if imprint.hash_algorithm.dotted_string != SHA256_OID or imprint.message != hashlib.sha256(data).digest():
        raise TimestampError("the timestamp does not cover this manifest (its message imprint differs)")
    checked = False
    if roots_pem is not None:
        try:
            roots = x509.load_pem_x509_certificates(roots_pem)
            builder = VerifierBuilder()
            for root in roots:
                builder = builder.add_root_certificate(root)
            builder.build().verify_message(response, data)
        except (ValueError, VerificationError) as exc:
            raise TimestampError(f"the timestamp's signature does not verify with the given roots ({exc})") from None
        checked = True
    return Stamp(info.gen_time, info.serial_number, checked)
