"""Password hashing (argon2id) and the password rules.

Only the hash is stored; argon2's defaults (RFC 9106 low-memory profile) are used, and a hash made
with weaker parameters is upgraded on the next successful sign-in.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 1024
# zxcvbn's scale: 3 = "safely unguessable" (about 10^8 guesses or more). Below that the password is on its
# list of 30,000 common passwords, is a common word or name, or a repeat, sequence or keyboard pattern.
MIN_STRENGTH = 3
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters decide

# Replaced by a cheap hasher in the tests only (the real one takes ~0.1 s per hash on purpose).
hasher = PasswordHasher()

# The demo municipality's accounts: username -> (role, password). Printed in the README; they exist
# only while the demo is loaded, and a real setup refuses to start while one of them is active.
DEMO_ACCOUNTS: dict[str, tuple[str, str]] = {
    "raadslid": ("raadslid", "lindewaard-raadslid"),
    "griffie": ("griffie", "lindewaard-griffie"),
    "ambtenaar": ("ambtenaar", "lindewaard-ambtenaar"),
    "beheerder": ("beheerder", "lindewaard-beheerder"),
}
# When the demo release is a region (members Lindewaard GM9990, Eikenrode GM9991, Kanaalstad GM9992): three
# more, username -> (role, password, member; None = the whole region). The four above then belong to
# Lindewaard (DEMO_HOME), except the administrator, who manages the whole installation.
DEMO_HOME = "GM9990"
DEMO_REGION_ACCOUNTS: dict[str, tuple[str, str, str | None]] = {
    "ambtenaar-eikenrode": ("ambtenaar", "eikenrode-ambtenaar", "GM9991"),
    "griffie-kanaalstad": ("griffie", "kanaalstad-griffie", "GM9992"),
    "rekenkamer": ("rekenkamer", "regio-rekenkamer", None),
}
DEMO_PASSWORDS = frozenset([*(p for _, p in DEMO_ACCOUNTS.values()), *(p for _, p, _ in DEMO_REGION_ACCOUNTS.values())])


def demo_accounts(members) -> dict[str, tuple[str, str, str | None]]:
    """The demo's accounts for a release with these member municipalities: username -> (role, password,
    member or None). A single municipality's demo: the four accounts, of the whole installation as before."""
    codes = [str(m).upper() for m in members or ()]
    if len(codes) < 2 or DEMO_HOME not in codes:
        return {name: (role, password, None) for name, (role, password) in DEMO_ACCOUNTS.items()}
    found = {name: (role, password, None if role == "beheerder" else DEMO_HOME)
             for name, (role, password) in DEMO_ACCOUNTS.items()}
    found.update({name: v for name, v in DEMO_REGION_ACCOUNTS.items() if v[2] is None or v[2] in codes})
    return found


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# A hash to verify against when the username does not exist, so the answer takes as long either way.
_dummy_hash: str | None = None


def burn_time(password: str) -> None:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hasher.hash(secrets.token_hex(16))
    verify_password(_dummy_hash, password)


def problems(password: str, username: str = "", *, demo: bool = False) -> list[str]:
    """What is wrong with a new password, in Dutch; empty when it is fine."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(f"een wachtwoord heeft minstens {MIN_LENGTH} tekens")
    if len(password) > MAX_LENGTH:
        found.append(f"een wachtwoord heeft hoogstens {MAX_LENGTH} tekens")
    if username and password.strip().lower() == username.strip().lower():
        found.append("het wachtwoord mag niet gelijk zijn aan de gebruikersnaam")
    if not demo and password in DEMO_PASSWORDS:
        found.append("dit is een wachtwoord van de demo; kies een eigen wachtwoord")
    elif MIN_LENGTH <= len(password) <= MAX_LENGTH and _strength(password, username) < MIN_STRENGTH:
        found.append("dit wachtwoord is te makkelijk te raden: het staat op een lijst van veelgebruikte "
                     "wachtwoorden, of het is een gewoon woord, een herhaling, een reeks of een toetsenbordpatroon; "
                     "kies bijvoorbeeld drie of vier losse woorden achter elkaar")
    return found


def _strength(password: str, username: str) -> int:
    """zxcvbn's score 0-4 (Dropbox's estimator with its lists of common passwords, words and names; the
    user name and its parts count as known words)."""
    hints = [username, *username.replace("@", " ").replace(".", " ").split()] if username else []
    return int(zxcvbn(password[:_ZXCVBN_MAX], user_inputs=hints)["score"])


def generate() -> str:
    """A random password that is easy to type over: five groups of four letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(5))
