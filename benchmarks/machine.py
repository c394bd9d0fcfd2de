"""The raw limits of this machine, measured in the same run as the code they bound."""

from __future__ import annotations

import hashlib
import os
import platform
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def rate(action: object, seconds: float = 1.0) -> float:
    """Calls per second of ``action`` over about ``seconds``."""
    assert callable(action)
    action()
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        action()
        count += 1
    return count / (time.perf_counter() - started)


def rsa2048_verify_rate() -> float:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = b"x" * 1000
    signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key()
    return rate(lambda: public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256()))


def rsa2048_sign_rate() -> float:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return rate(lambda: key.sign(b"x" * 1000, padding.PKCS1v15(), hashes.SHA256()))


def sha256_mb_per_s() -> float:
    block = os.urandom(16 * 1024 * 1024)
    per_second = rate(lambda: hashlib.sha256(block).digest())
    return per_second * len(block) / 1e6


def describe() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
