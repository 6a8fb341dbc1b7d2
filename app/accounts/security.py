"""Secrets: argon2 hashes for passwords and PINs, random tokens stored only as sha256."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# Login codes avoid letters and digits that are easily confused on a printed card.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_PASSWORD_LENGTH = 10
PIN_LENGTH = 6


_COST = {"time_cost": 3, "memory_cost": 65536}  # argon2id, pwdlib's defaults (64 MiB)


def configure(*, time_cost: int, memory_cost_kib: int) -> None:
    """Set the cost of new hashes (existing hashes keep theirs and still verify)."""
    _COST.update(time_cost=time_cost, memory_cost=memory_cost_kib)
    _hasher.cache_clear()


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(**_COST),))


def hash_secret(secret: str) -> str:
    """Return an argon2id hash of a password or PIN."""
    return _hasher().hash(secret)


def verify_secret(secret: str, hashed: str | None) -> bool:
    """True when the secret matches; a missing hash still costs one hash so timing tells nothing."""
    if hashed is None:
        _hasher().hash(secret)
        return False
    return bool(_hasher().verify(secret, hashed))


def new_token(prefix: str) -> str:
    """Return a random bearer token such as ``ksh_…`` (shown once, stored hashed)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_login_code() -> str:
    """Return an 8-character login code for a trainee card, e.g. ``K7M2QX9P``."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def new_password() -> str:
    """A temporary password for a reset, readable over the phone."""
    return "-".join(secrets.token_hex(3) for _ in range(3))
