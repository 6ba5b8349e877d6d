"""The evidence bundle: a WACZ 1.1 file (a ZIP that replay tools such as ReplayWeb.page open) written by hand with
zipfile, plus what a court needs, and its offline verification.

Layout::

    archive/item-<id>.warc.gz        each capture's WARC (request, response, headers, address)
    indexes/index.cdxj               the WACZ index of the WARCs' responses (SURT, time, offset, length)
    pages/pages.jsonl                one line per captured page
    evidence/items.json              each item: URL, times, operator, case, purpose, artifacts with their paths
    evidence/item-<id>/…             screenshot.png, page.html (rendered), metadata.json, images/
    evidence/custody.jsonl           every item's chain of custody (hash-chained, each event signed)
    evidence/public_key.pem          the signer's public key (a convenience: verify with a key obtained separately)
    report.html, report.pdf          the items described for a court
    datapackage.json                 the manifest: every file above with its SHA-256 and size, and the case
    datapackage-digest.json          the manifest's SHA-256 (WACZ)
    tipwatch-signature.json          Ed25519 signature over the exact bytes of datapackage.json
    tipwatch-timestamp.tsr           optional: an RFC 3161 timestamp token over datapackage.json (evidence.timestamp)

``verify`` needs only the bundle and the public key: manifest digest, signature, every listed file's hash and size,
no file outside the manifest, every item's custody chain and event signatures, and each artifact against the hash
its signed "captured" event recorded at capture time; a timestamp token, when the bundle has one, must cover the
manifest (and with the TSA's root certificates, its signature must verify; given roots, a bundle without a token
fails). It stops at the first failure and names it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import ipaddress
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from warcio.archiveiterator import ArchiveIterator

from tipwatch.evidence import timestamp
from tipwatch.evidence.custody import CustodyEvent, check_chain, signature_ok, utc
from tipwatch.evidence.keys import SigningKeyError, fingerprint, load_public

MANIFEST = "datapackage.json"
DIGEST = "datapackage-digest.json"
SIGNATURE = "tipwatch-signature.json"
TIMESTAMP = "tipwatch-timestamp.tsr"
CUSTODY = "evidence/custody.jsonl"
ITEMS = "evidence/items.json"
PUBLIC_KEY = "evidence/public_key.pem"
UNLISTED = frozenset({MANIFEST, DIGEST, SIGNATURE, TIMESTAMP})  # about the manifest, so not listed in it
WACZ_VERSION = "1.1.1"


@dataclass(slots=True)
class BundleFile:
    path: str
    data: bytes


@dataclass(slots=True)
class Verdict:
    ok: bool
    failure: str = ""  # the first check that failed, naming the file, item or event
    checked: list[str] = field(default_factory=list)  # what was checked, in order (for the report to the user)
    key_source: str = ""  # "given" or "bundled (not independent)"
    fingerprint: str = ""
    timestamp: str = ""  # the RFC 3161 time (ISO 8601) when the bundle carries a token that covers its manifest


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def surt(url: str) -> str:
    """The SURT form a CDXJ index sorts by (host labels reversed, www dropped, lower case)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        key = host
    except ValueError:
        labels = host.split(".")
        if labels and labels[0] == "www":
            labels = labels[1:]
        key = ",".join(reversed(labels))
    if parts.port and parts.port not in (80, 443):
        key += f":{parts.port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{key}){path.lower()}"


def cdxj_lines(filename: str, warc: bytes) -> list[str]:
    lines = []
    it = ArchiveIterator(io.BytesIO(warc))
    for record in it:
        if record.rec_type != "response":
            continue
        url = record.rec_headers.get_header("WARC-Target-URI")
        date = record.rec_headers.get_header("WARC-Date") or ""
        ts = "".join(c for c in date if c.isdigit())[:14]
        http = record.http_headers
        mime = (http.get_header("Content-Type") or "").split(";", 1)[0].strip() if http else ""
        status = http.get_statuscode() if http else ""
        digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
        record.content_stream().read()  # to the end of the record, so that its length is known
        offset, length = it.get_record_offset(), it.get_record_length()
        body = {
            "url": url,
            "mime": mime,
            "status": status,
            "digest": digest,
            "length": str(length),
            "offset": str(offset),
            "filename": filename,
        }
        lines.append(f"{surt(url)} {ts} {orjson.dumps(body).decode()}")
    return lines


def manifest(
    files: Sequence[BundleFile], *, title: str, created: datetime, software: str, extra: dict[str, Any]
) -> bytes:
    """datapackage.json: every file with its SHA-256 and size (WACZ 1.1 resources)."""
    main = extra.get("mainPageURL")
    body: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "created": utc(created).isoformat(),
        "modified": utc(created).isoformat(),
        "software": software,
        "resources": [
            {"name": Path(f.path).name, "path": f.path, "hash": f"sha256:{sha256(f.data)}", "bytes": len(f.data)}
            for f in files
        ],
        **({"mainPageURL": main} if main else {}),
        "tipwatch": {k: v for k, v in extra.items() if k != "mainPageURL"},
    }
    return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def write_bundle(
    out: Path,
    files: Sequence[BundleFile],
    *,
    title: str,
    created: datetime,
    software: str,
    extra: dict[str, Any],
    sign: Callable[[bytes], bytes],
    public_key: Ed25519PublicKey,
    timestamp: Callable[[bytes], bytes] | None = None,
) -> str:
    """Write the WACZ; returns the SHA-256 of its manifest (datapackage.json). ``timestamp``, given the manifest's
    bytes, returns an RFC 3161 timestamp response for them (stored as ``tipwatch-timestamp.tsr``)."""
    names = [f.path for f in files]
    if len(set(names)) != len(names) or UNLISTED & set(names):
        raise ValueError("bundle file names must be unique and not the manifest's own")
    data = manifest(files, title=title, created=created, software=software, extra=extra)
    digest = sha256(data)
    signature = {
        "algorithm": "Ed25519",
        "signed_file": MANIFEST,
        "signed_sha256": digest,
        "signature": base64.b64encode(sign(data)).decode("ascii"),
        "public_key_fingerprint": fingerprint(public_key),
    }
    token = None if timestamp is None else timestamp(data)
    tmp = out.with_name(f".{out.name}.partial")
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for f in files:
                # WARCs are already gzipped, and replay tools read them by offset: stored, not deflated.
                method = zipfile.ZIP_STORED if f.path.startswith("archive/") else zipfile.ZIP_DEFLATED
                info = zipfile.ZipInfo(f.path, date_time=utc(created).timetuple()[:6])
                zf.writestr(info, f.data, compress_type=method)
            zf.writestr(MANIFEST, data, compress_type=zipfile.ZIP_DEFLATED)
            digest_json = orjson.dumps({"path": MANIFEST, "hash": f"sha256:{digest}"}, option=orjson.OPT_INDENT_2)
            zf.writestr(DIGEST, digest_json)
            zf.writestr(SIGNATURE, orjson.dumps(signature, option=orjson.OPT_INDENT_2))
            if token is not None:
                zf.writestr(TIMESTAMP, token)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a disk full or an interrupt leaves no half bundle behind
        raise
    return digest


class _Failed(Exception):
    pass


# What reading one entry of a damaged or hostile ZIP raises (zipfile lets each of these through).
READ_ERRORS = (zipfile.BadZipFile, OSError, ValueError, zlib.error, NotImplementedError, RuntimeError, EOFError)


def _check_timestamp(
    names: list[str], read: Callable[[str], bytes], manifest: bytes, roots: bytes | None, v: Verdict
) -> None:
    if TIMESTAMP not in names:
        if roots is not None:
            raise _Failed(f"{TIMESTAMP}: missing from the bundle (a trusted timestamp was asked for)")
        return
    try:
        stamp = timestamp.check(read(TIMESTAMP), manifest, roots)
    except timestamp.TimestampError as exc:
        raise _Failed(f"{TIMESTAMP}: {exc}") from None
    v.timestamp = stamp.at.isoformat()
    how = "its signature verifies with the given TSA roots" if stamp.signature_checked else "TSA signature not checked"
    v.checked.append(f"RFC 3161 timestamp {v.timestamp} covers {MANIFEST} ({how})")


def _json(zf: zipfile.ZipFile, name: str) -> Any:
    try:
        return orjson.loads(zf.read(name))
    except KeyError:
        raise _Failed(f"{name}: missing from the bundle") from None
    except orjson.JSONDecodeError:
        raise _Failed(f"{name}: not valid JSON") from None
    except READ_ERRORS as exc:
        raise _Failed(f"{name}: cannot be read from the bundle ({exc})") from None


def _events(data: bytes) -> Iterable[CustodyEvent]:
    for n, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield CustodyEvent.from_json(orjson.loads(line))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise _Failed(f"{CUSTODY} line {n}: not a custody event") from None


@dataclass(frozen=True, slots=True)
class Limits:
    """What a bundle may hold before it is read: a hostile ZIP (a bomb of tiny entries that unpack to gigabytes,
    or millions of entries) is refused from its central directory, before anything is decompressed. A ZIP entry
    never yields more than the size its directory declares, so the declared sizes bound the work."""

    max_entries: int = 100_000
    max_unpacked: int = 64 * 2**30


def verify(
    path: Path,
    public_key_pem: bytes | None = None,
    limits: Limits | None = None,
    *,
    label: str | None = None,
    tsa_roots_pem: bytes | None = None,
) -> Verdict:
    """Check the bundle at ``path`` (see the module's doc); the first failure is in ``failure``, which names the
    bundle as ``label`` (default: the file's name). Any file at all may be given: a file that is not a bundle, or a
    bundle whose JSON has the wrong shape, fails with the reason; it never raises."""
    verdict = Verdict(ok=False)
    try:
        _verify(path, public_key_pem, verdict, limits or Limits(), label or path.name, tsa_roots_pem)
    except _Failed as exc:
        verdict.failure = str(exc)
        return verdict
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # The manifest and signature verified, so this is a signed bundle of a shape we do not know (or a bug):
        # either way not verified, and said so.
        verdict.failure = f"the bundle's records do not have the expected shape ({type(exc).__name__}: {exc})"
        return verdict
    verdict.ok = True
    return verdict


def _verify(
    path: Path, public_key_pem: bytes | None, v: Verdict, limits: Limits, label: str, tsa_roots_pem: bytes | None
) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise _Failed(f"{label}: not a readable ZIP/WACZ file ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise _Failed(f"{label}: {len(infos)} entries, more than the {limits.max_entries} allowed")
        unpacked = sum(i.file_size for i in infos)
        if unpacked > limits.max_unpacked:
            raise _Failed(f"{label}: unpacks to {unpacked} bytes, more than the {limits.max_unpacked} allowed")
        names = zf.namelist()
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise _Failed(f"{twice[0]}: appears more than once in the bundle")

        def read(name: str) -> bytes:
            try:
                return zf.read(name)
            except KeyError:
                raise _Failed(f"{name}: missing from the bundle") from None
            except READ_ERRORS as exc:  # a damaged entry (CRC, deflate), an encrypted or unknown compression
                raise _Failed(f"{name}: cannot be read from the bundle ({exc})") from None

        manifest_bytes = read(MANIFEST)
        digest = _json(zf, DIGEST)
        if not isinstance(digest, dict) or digest.get("hash") != f"sha256:{sha256(manifest_bytes)}":
            raise _Failed(f"{MANIFEST}: its SHA-256 does not match {DIGEST} (the manifest was changed)")
        v.checked.append(f"{MANIFEST} matches {DIGEST}")

        if public_key_pem is None:
            public_key_pem, v.key_source = read(PUBLIC_KEY), "bundled (not independent: verify with a key you trust)"
        else:
            v.key_source = "given"
        try:
            key = load_public(public_key_pem)
        except SigningKeyError as exc:
            raise _Failed(f"public key: {exc}") from None
        v.fingerprint = fingerprint(key)
        sig = _json(zf, SIGNATURE)
        if not isinstance(sig, dict) or not signature_ok(key, manifest_bytes, str(sig.get("signature", ""))):
            raise _Failed(f"{SIGNATURE}: the signature over {MANIFEST} does not verify with the public key")
        v.checked.append(f"signature over {MANIFEST} verifies ({v.fingerprint})")
        _check_timestamp(names, read, manifest_bytes, tsa_roots_pem, v)

        try:
            doc = orjson.loads(manifest_bytes)
            resources = {str(r["path"]): r for r in doc["resources"]}
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise _Failed(f"{MANIFEST}: not a WACZ manifest ({exc})") from None
        hashes: dict[str, str] = {}
        for name, res in resources.items():
            data = read(name)
            if res.get("hash") != f"sha256:{sha256(data)}" or res.get("bytes") != len(data):
                raise _Failed(f"{name}: its SHA-256 or size does not match the manifest (changed)")
            hashes[name] = sha256(data)
        v.checked.append(f"{len(resources)} files match their SHA-256 in the manifest")
        for name in names:
            if name not in resources and name not in UNLISTED:
                raise _Failed(f"{name}: not listed in the manifest (added to the bundle)")
        v.checked.append("no file outside the manifest")

        events: dict[int, list[CustodyEvent]] = {}
        for e in _events(read(CUSTODY)):
            events.setdefault(e.item_id, []).append(e)
        items = _json(zf, ITEMS)
        for item in items:
            item_id = int(item["id"])
            chain = events.pop(item_id, [])
            problem = check_chain(chain, key)
            if problem is not None:
                raise _Failed(f"item {item_id}: {problem}")
            if chain[-1].hash != item.get("custody_head"):
                raise _Failed(f"item {item_id}: its custody log does not end where the item says (events missing)")
            captured = chain[0]
            if captured.action != "captured":
                raise _Failed(f"item {item_id}: custody event 1 is not the capture")
            recorded = [a["sha256"] for a in captured.details.get("artifacts", [])]
            for art in item["artifacts"]:
                where = art.get("path")
                if art["sha256"] not in recorded:
                    raise _Failed(f"item {item_id}: artifact {art['kind']} is not the one recorded at capture")
                if where is not None and hashes.get(where) != art["sha256"]:
                    raise _Failed(f"{where}: differs from the {art['kind']} of item {item_id} recorded at capture")
        if events:
            raise _Failed(f"{CUSTODY}: events of item {min(events)}, which the bundle does not hold")
        v.checked.append(f"{len(items)} item(s): custody chains and event signatures verify; artifacts match capture")
