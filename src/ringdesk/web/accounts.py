"""Admin accounts: argon2 password hashes, the password strength rule (zxcvbn), creating an
admin, checking a login, and changing a password (which revokes the other sessions).

The strength rule: at least 8 characters and a zxcvbn score of at least 3 of 4 ("safely
unguessable": about 10^10 guesses), judged with the user name and "ringdesk" as known words.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from ringdesk.store import admin
from ringdesk.store.db import Session

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "MIN_SCORE",
    "authenticate",
    "change_password",
    "create_admin_user",
    "hash_password",
    "password_problem",
    "verify_password",
]

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 takes any length; this only bounds the work per attempt
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching is quadratic); the first 72 characters of a
# longer password are judged, and a strong start makes a strong password.
_ZXCVBN_CHARS = 72
_KNOWN_WORDS = ("ringdesk", "admin", "helpdesk")

# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong, and quick enough that a
# login does not stall a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password")


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why `password` is refused (a sentence for the admin), or None when it is strong."""
    if len(password) < MIN_PASSWORD:
        return f"password must have at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"password must have at most {MAX_PASSWORD} characters"
    inputs = [w for w in (username, *_KNOWN_WORDS) if w]
    result = zxcvbn(password[:_ZXCVBN_CHARS], user_inputs=inputs)
    score = int(result["score"])
    if score >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    hints = [str(feedback["warning"] or ""), *map(str, feedback["suggestions"] or [])]
    advice = " ".join(h for h in hints if h)
    message = (
        f"password is too easy to guess (strength {score} of 4; at least {MIN_SCORE} is "
        "needed): use a longer passphrase of several uncommon words"
    )
    return f"{message}. {advice}" if advice else message


def create_admin_user(session: Session, username: str, password: str) -> None:
    """Store a new admin; raises ValueError for a bad name, weak password or duplicate."""
    username = username.strip()
    if not username or len(username) > 100:
        raise ValueError("username is required (at most 100 characters)")
    problem = password_problem(password, username=username)
    if problem:
        raise ValueError(problem)
    if admin.get_user(session, username) is not None:
        raise ValueError(f"user {username!r} already exists")
    admin.add_user(session, username, hash_password(password))


def authenticate(session: Session, username: str, password: str) -> bool:
    """Whether `password` is `username`'s; as slow for an unknown user as for a known one,
    so user names cannot be probed by timing."""
    user = admin.get_user(session, username.strip())
    if user is None or len(password) > MAX_PASSWORD:
        verify_password(_dummy_hash(), password[:MAX_PASSWORD])
        return False
    return verify_password(user.password_hash, password)


def change_password(
    session: Session, username: str, current: str, new: str, *, keep_session: str | None
) -> int:
    """Set a new password after checking the current one; every other session of the user
    is revoked (the one whose cookie value is `keep_session` stays). Returns how many were
    revoked. Raises PermissionError for a wrong current password, ValueError for a weak
    new one."""
    if not authenticate(session, username, current):
        raise PermissionError("the current password is wrong")
    if new == current:
        raise ValueError("the new password must differ from the current one")
    problem = password_problem(new, username=username)
    if problem:
        raise ValueError(problem)
    admin.set_password(session, username.strip(), hash_password(new))
    return admin.delete_user_sessions(session, username.strip(), keep=keep_session)
