"""edXML: parse + validate + verify throughput by message size; peak memory for 200 MB."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from lienthong.edxml import Organization, build, validate
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.dsig import SigningKey, ValidationPolicy, sign, sign_stream, verify
from lienthong.edxml.model import Code
from lienthong.signatures.trust import VerdictCache

from .machine import rate


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_keys() -> tuple[SigningKey, ValidationPolicy]:
    """A root and an agency certificate under it, RSA-2048, valid for a day around now."""
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def cert(subject: str, key: rsa.RSAPrivateKey, issuer: str, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        else:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
            )
        return builder.sign(root_key, hashes.SHA256())

    root = cert("Bench Root", root_key, "Bench Root", True)
    leaf = cert("Bench Agency", leaf_key, "Bench Root", False)
    # A hub keeps recent verdicts per signer (signatures.trust.VerdictCache); see `cold_verify`.
    return SigningKey(leaf_key, leaf), ValidationPolicy((root,), cache=VerdictCache())


def message_of(size: int) -> bytes:
    """An unsigned edoc of about ``size`` bytes, most of it one PDF-like attachment."""
    payload = os.urandom(max(0, (size - 3000) * 3 // 4))
    return build(
        new_edoc(
            sender=Organization("000.00.00.G22", organ_name="Văn phòng Chính phủ"),
            recipients=[Organization("000.00.00.H41"), Organization("000.00.00.H49")],
            subject="Về việc đo hiệu năng liên thông văn bản",
            code=Code("15", "VPCP-TTĐT"),
            type_name="Công văn",
            files=[NewFile("Công văn 15.pdf", "application/pdf", payload)],
        )
    )


def _per_second(action: Callable[[], object], seconds: float) -> float:
    return rate(action, seconds)


def throughput(key: SigningKey, policy: ValidationPolicy) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for label, size, seconds in (
        ("10 KB", 10_000, 2.0),
        ("100 KB", 100_000, 2.0),
        ("10 MB", 10_000_000, 4.0),
    ):
        signed = sign(message_of(size), key)

        def check(data: bytes = signed) -> None:
            verified = verify(data, policy, keep_encoded=False)
            assert not validate(verified.parsed.message)

        per_second = _per_second(check, seconds)
        rows.append(
            {
                "message": label,
                "bytes": len(signed),
                "verified_per_s": round(per_second, 1),
                "mb_per_s": round(per_second * len(signed) / 1e6, 1),
            }
        )
    return rows


def signing(key: SigningKey, policy: ValidationPolicy) -> dict[str, float]:
    message = message_of(100_000)
    signed = sign(message, key)
    cold = replace(policy, cache=None)
    return {
        "sign_per_s": round(_per_second(lambda: sign(message, key), 2.0), 1),
        "verify_per_s": round(_per_second(lambda: verify(signed, policy), 2.0), 1),
        # every message a new signer: the certificate path is built and checked each time
        "cold_verify_per_s": round(_per_second(lambda: verify(signed, cold), 2.0), 1),
    }


# --- peak memory, in a fresh process per measurement -------------------------------------------

_ATTACHMENT_MB = 200


def _write_large_message(path: Path, megabytes: int) -> None:
    """A message with one attachment of ``megabytes`` MB, written in chunks (never whole)."""
    marker = "QkVOQ0hNQVJLLU1BUktFUg=="  # stands where the streamed base64 goes
    head, tail = (
        build(
            new_edoc(
                sender=Organization("000.00.00.G22"),
                recipients=[Organization("000.00.00.H41")],
                subject="Tệp đính kèm lớn",
                code=Code("16", "VPCP-TTĐT"),
                files=[NewFile("ban-do.pdf", "application/pdf", base64.b64decode(marker))],
            )
        )
        .decode()
        .split(marker)
    )
    chunk = 3 * 1024 * 1024  # a multiple of 3: base64 pieces concatenate without padding
    with path.open("wb") as out:
        out.write(head.encode())
        left = megabytes * 1024 * 1024
        while left:
            piece = os.urandom(min(chunk, left))
            left -= len(piece)
            out.write(base64.b64encode(piece))
        out.write(tail.encode())


def _child_verify(path: str, key_pem: str, cert_pem: str, root_pem: str) -> None:
    """In a fresh process: verify + read + validate the file, report peak RSS."""
    import resource

    policy = ValidationPolicy.from_pem([root_pem.encode()])
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with open(path, "rb") as source:
        verified = verify(source, policy, keep_encoded=False)
    problems = validate(verified.parsed.message)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "baseline_kib": baseline,
                "peak_kib": peak,
                "seconds": elapsed,
                "problems": len(problems),
            }
        )
    )


def large_message_memory(key: SigningKey, policy: ValidationPolicy) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "large.edxml"
        signed = Path(folder) / "large.signed.edxml"
        _write_large_message(plain, _ATTACHMENT_MB)
        started = time.perf_counter()
        with plain.open("rb") as src, signed.open("wb") as out:
            sign_stream(src, out, key)
        sign_seconds = time.perf_counter() - started
        key_pem = key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        cert_pem = key.certificate.public_bytes(serialization.Encoding.PEM).decode()
        root_pem = policy.anchors[0].public_bytes(serialization.Encoding.PEM).decode()
        code = (
            "import sys; from benchmarks.edxml_bench import _child_verify; "
            "_child_verify(*sys.argv[1:])"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(signed), key_pem, cert_pem, root_pem],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        child = json.loads(done.stdout)
        attachment = _ATTACHMENT_MB * 1024 * 1024
        return {
            "attachment_bytes": attachment,
            "message_bytes": signed.stat().st_size,
            "sign_stream_seconds": round(sign_seconds, 2),
            "verify_read_validate_seconds": round(child["seconds"], 2),
            "process_baseline_mb": round(child["baseline_kib"] / 1024, 1),
            "peak_rss_mb": round(child["peak_kib"] / 1024, 1),
            "peak_over_attachment": round(child["peak_kib"] * 1024 / attachment, 3),
            "problems": child["problems"],
        }
