"""Sign-in that works offline: local users with scrypt password hashes, and sign-in links with a token.

Why this and not an identity provider: the dashboard runs beside the warehouse, often on a laptop or a
server with no internet, and Streamlit's built-in ``st.login`` needs an OpenID Connect provider. Users live in
``<home>/dashboard/users.yaml`` (never in git): a role and a salted scrypt hash per user, added with
``causeway dashboard user add NAME --role cx``. ``causeway dashboard`` prints a sign-in link carrying a
random token (as Jupyter does); only the token's SHA-256 is stored, with its user and expiry, and each start
revokes the links issued before. Roles and the pages each may open come from ``config/dashboard.yaml``;
every page checks the role again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

from flows.warehouse import utcnow

SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class User:
    name: str
    role: str


def users_file(home: Path) -> Path:
    return home / "dashboard" / "users.yaml"


def _read_users(home: Path) -> dict:
    path = users_file(home)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.exists() else {}


def _hash(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT).hex()


def add_user(home: Path, name: str, role: str, password: str, roles: dict[str, tuple[str, ...]]) -> None:
    if role not in roles:
        raise ValueError(f"role '{role}' is not one of {', '.join(sorted(roles))} (config/dashboard.yaml)")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    users = _read_users(home)
    salt = secrets.token_bytes(16)
    users[name] = {"role": role, "salt": salt.hex(), "hash": _hash(password, salt)}
    _write(users_file(home), yaml.safe_dump(users, sort_keys=True))


def check_password(home: Path, name: str, password: str) -> User | None:
    entry = _read_users(home).get(name)
    salt, expected = (bytes.fromhex(entry["salt"]), entry["hash"]) if entry else (_DUMMY_SALT, "")
    matches = hmac.compare_digest(_hash(password, salt), expected)  # hashed either way: no timing hint
    return User(name, entry["role"]) if entry and matches else None


_DUMMY_SALT = secrets.token_bytes(16)


def revoke_tokens(home: Path) -> None:
    """Forget every sign-in link issued so far (``causeway dashboard`` does it on each start)."""
    folder = home / "dashboard" / "tokens"
    if folder.exists():
        for path in folder.glob("*.json"):
            path.unlink(missing_ok=True)


def issue_token(home: Path, name: str, hours: float) -> str:
    """A sign-in token for user ``name``, valid ``hours``; returns the token (shown once)."""
    entry = _read_users(home).get(name)
    if not entry:
        raise ValueError(f"no dashboard user '{name}': add one with `causeway dashboard user add`")
    token = secrets.token_urlsafe(24)
    record = {"user": name, "expires": (utcnow() + timedelta(hours=hours)).isoformat()}
    _write(_token_path(home, token), json.dumps(record))
    return token


def check_token(home: Path, token: str) -> User | None:
    path = _token_path(home, token)
    if not token or not path.exists():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    if record["expires"] < utcnow().isoformat():
        path.unlink(missing_ok=True)
        return None
    entry = _read_users(home).get(record["user"])
    return User(record["user"], entry["role"]) if entry else None


def _token_path(home: Path, token: str) -> Path:
    return home / "dashboard" / "tokens" / (hashlib.sha256(token.encode("utf-8")).hexdigest() + ".json")


def _write(path: Path, text: str) -> None:
    """Write a secret file: readable by its owner only from the first byte, replaced atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
