"""Built-in accounts: add, change role, reset password, disable, unlock; sign-in with lock-out.

Every change checks ``manage_accounts`` with :func:`auth.roles.require` (the command line acts as the
administrator) and writes an audit entry in the same transaction. A sign-in verifies the argon2 hash
outside any transaction (it is slow on purpose) and then records the outcome atomically: the failure
counter is incremented in SQL, so parallel guesses cannot slip past the lock-out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from auth import audit, passwords
from auth.roles import Role, parse_role, require
from store.db import Database, Transaction, utcnow

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,99}$")
LOGIN_FAILED_TEXT = "De gebruikersnaam of het wachtwoord klopt niet."

COLUMNS = ("username", "display_name", "role", "disabled", "is_demo", "failed_attempts", "locked_until",
           "password_changed_at", "last_login_at", "created_by", "created_at", "updated_by", "updated_at")


class AccountError(Exception):
    """A refused account change; the message is Dutch and meant for the person at the screen."""


class LoginFailed(Exception):
    """Wrong name or password, a disabled account, or a locked one (message is Dutch)."""


class AccountLocked(LoginFailed):
    pass


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: Role
    disabled: bool
    is_demo: bool
    failed_attempts: int
    locked_until: str | None
    password_changed_at: str
    last_login_at: str | None
    created_by: str
    created_at: str
    updated_by: str
    updated_at: str

    def locked_at(self, moment: datetime) -> bool:
        return bool(self.locked_until) and _parse(self.locked_until) > moment


def _now() -> datetime:
    """The clock (replaced in tests that check lock-out expiry)."""
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _account(row: dict) -> Account:
    return Account(username=row["username"], display_name=row["display_name"], role=Role(row["role"]),
                   disabled=bool(row["disabled"]), is_demo=bool(row["is_demo"]),
                   failed_attempts=int(row["failed_attempts"]), locked_until=row["locked_until"],
                   password_changed_at=row["password_changed_at"], last_login_at=row["last_login_at"],
                   created_by=row["created_by"], created_at=row["created_at"], updated_by=row["updated_by"],
                   updated_at=row["updated_at"])


_checked: dict[tuple[str, str], bool] = {}


def _has_password(password_hash: str, password: str) -> bool:
    """Cached per hash: a hash never changes, and argon2 is slow on purpose."""
    key = (password_hash, password)
    if key not in _checked:
        _checked[key] = passwords.verify_password(password_hash, password)
    return _checked[key]


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


class AccountStore:
    """Accounts on a :class:`store.db.Database` (SQLite or PostgreSQL)."""

    def __init__(self, db: Database, *, lockout_attempts: int = 5, lockout_minutes: int = 15):
        self.db = db
        self.lockout_attempts = lockout_attempts
        self.lockout_minutes = lockout_minutes

    # -- reading ---------------------------------------------------------------------------------

    def get(self, username: str) -> Account | None:
        rows = self.db.query(f"SELECT {', '.join(COLUMNS)} FROM accounts WHERE username = ?",
                             (normalise_username(username),))
        return _account(rows[0]) if rows else None

    def list_accounts(self, *, role: Role | str | None) -> list[Account]:
        require(role, "manage_accounts")
        return [_account(r) for r in self.db.query(f"SELECT {', '.join(COLUMNS)} FROM accounts ORDER BY username")]

    def count(self) -> int:
        return int(self.db.query("SELECT COUNT(*) AS n FROM accounts")[0]["n"])

    # -- signing in ------------------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> Account:
        """The account when name and password match; otherwise :class:`LoginFailed` (every outcome audited)."""
        name = normalise_username(username)
        now = _now()
        rows = self.db.query("SELECT username, role, password_hash, disabled, locked_until FROM accounts "
                             "WHERE username = ?", (name,)) if name else []
        if not rows:
            passwords.burn_time(password)
            audit.record("login_failed", name or "(leeg)", "onbekende gebruikersnaam", db=self.db)
            raise LoginFailed(LOGIN_FAILED_TEXT)
        row = rows[0]
        if row["locked_until"] and _parse(row["locked_until"]) > now:
            # No password check while locked: guessing on gains nothing.
            audit.record("login_failed", name, "account is geblokkeerd", role=row["role"], db=self.db)
            raise AccountLocked(self._locked_text(_parse(row["locked_until"]), now))
        if not passwords.verify_password(row["password_hash"], password):
            self._failed(name, row["role"], now)  # raises
        if row["disabled"]:
            audit.record("login_failed", name, "account is uitgeschakeld", role=row["role"], db=self.db)
            raise LoginFailed(LOGIN_FAILED_TEXT)
        with self.db.transaction() as tx:
            params: list = [_iso(now)]
            sql = "UPDATE accounts SET failed_attempts = 0, locked_until = NULL, last_login_at = ?"
            if passwords.needs_rehash(row["password_hash"]):
                sql += ", password_hash = ?"
                params.append(passwords.hash_password(password))
            tx.execute(sql + " WHERE username = ?", [*params, name])
            audit.record_tx(tx, "login", name, "met wachtwoord", role=row["role"])
        account = self.get(name)
        assert account is not None
        return account

    def _failed(self, name: str, role: str, now: datetime) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE accounts SET failed_attempts = failed_attempts + 1 WHERE username = ?", (name,))
            row = tx.one("SELECT failed_attempts FROM accounts WHERE username = ?", (name,))
            attempts = int(row["failed_attempts"])
            audit.record_tx(tx, "login_failed", name, f"fout wachtwoord (poging {attempts})", role=role)
            if attempts >= self.lockout_attempts:
                until = now + timedelta(minutes=self.lockout_minutes)
                tx.execute("UPDATE accounts SET failed_attempts = 0, locked_until = ? WHERE username = ?",
                           (_iso(until), name))
                audit.record_tx(tx, "account_locked", name,
                                f"{attempts} foute pogingen; geblokkeerd tot {_iso(until)}", role=role)
        if attempts >= self.lockout_attempts:
            raise AccountLocked(self._locked_text(until, now))
        raise LoginFailed(LOGIN_FAILED_TEXT)

    def _locked_text(self, until: datetime, now: datetime) -> str:
        minutes = max(1, int((until - now).total_seconds() + 59) // 60)
        return (f"Dit account is tijdelijk geblokkeerd na {self.lockout_attempts} foute pogingen. "
                f"Probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw, "
                "of vraag de beheerder om de blokkade op te heffen.")

    # -- managing --------------------------------------------------------------------------------

    def add(self, username: str, role: Role | str, password: str, *, display_name: str = "",
            actor_role: Role | str | None, actor: str, demo: bool = False) -> Account:
        require(actor_role, "manage_accounts")
        name = normalise_username(username)
        new_role = self._role(role)
        problems = []
        if not _USERNAME.match(name):
            problems.append("een gebruikersnaam heeft 2 tot 100 tekens: kleine letters, cijfers en . _ @ + -")
        problems += passwords.problems(password, name, demo=demo)
        if problems:
            raise AccountError("Het account is niet aangemaakt: " + "; ".join(problems) + ".")
        display = " ".join((display_name or "").split())[:200] or name
        now = utcnow()
        password_hash = passwords.hash_password(password)
        with self.db.transaction() as tx:
            if tx.one("SELECT username FROM accounts WHERE username = ?", (name,)):
                raise AccountError(f"Er bestaat al een account met de naam {name}.")
            tx.execute("INSERT INTO accounts (username, display_name, role, password_hash, disabled, is_demo, "
                       "failed_attempts, locked_until, password_changed_at, last_login_at, created_by, created_at, "
                       "updated_by, updated_at) VALUES (?, ?, ?, ?, 0, ?, 0, NULL, ?, NULL, ?, ?, ?, ?)",
                       (name, display, new_role.value, password_hash, int(demo), now, actor, now, actor, now))
            audit.record_tx(tx, "account_created", actor, f"{name} als {new_role.label}", role=actor_role)
        return self._must(name)

    def set_role(self, username: str, role: Role | str, *, actor_role: Role | str | None, actor: str,
                 keep_admin: bool = True) -> Account:
        require(actor_role, "manage_accounts")
        new_role = self._role(role)
        with self.db.transaction() as tx:
            old = self._row(tx, username)
            if old["role"] == new_role.value:
                return self._must(old["username"])
            if keep_admin and old["role"] == Role.BEHEERDER.value and not old["disabled"]:
                self._keep_an_administrator(tx, old["username"])
            self._update(tx, old["username"], actor, role=new_role.value)
            audit.record_tx(tx, "account_role_changed", actor,
                            f"{old['username']}: {Role(old['role']).label} -> {new_role.label}", role=actor_role)
        return self._must(old["username"])

    def reset_password(self, username: str, password: str, *, actor_role: Role | str | None, actor: str) -> Account:
        """A new password; ends the account's open sessions and lifts a lock-out."""
        require(actor_role, "manage_accounts")
        name = normalise_username(username)
        current = self.get(name)
        if current is None:
            raise AccountError(f"Er is geen account met de naam {name}.")
        problems = passwords.problems(password, name, demo=current.is_demo)
        if problems:
            raise AccountError("Het wachtwoord is niet gewijzigd: " + "; ".join(problems) + ".")
        password_hash = passwords.hash_password(password)
        with self.db.transaction() as tx:
            self._row(tx, name)
            self._update(tx, name, actor, password_hash=password_hash, password_changed_at=utcnow(),
                         failed_attempts=0, locked_until=None)
            audit.record_tx(tx, "account_password_reset", actor, name, role=actor_role)
        return self._must(name)

    def disable(self, username: str, *, actor_role: Role | str | None, actor: str,
                keep_admin: bool = True) -> Account:
        """Switch an account off (nothing is deleted, so the audit log keeps its meaning). ``keep_admin``
        refuses to switch off the last administrator; the command line can override it (``--force``)."""
        require(actor_role, "manage_accounts")
        with self.db.transaction() as tx:
            old = self._row(tx, username)
            if old["disabled"]:
                return self._must(old["username"])
            if keep_admin and old["role"] == Role.BEHEERDER.value:
                self._keep_an_administrator(tx, old["username"])
            self._update(tx, old["username"], actor, disabled=1)
            audit.record_tx(tx, "account_disabled", actor, old["username"], role=actor_role)
        return self._must(old["username"])

    def enable(self, username: str, *, actor_role: Role | str | None, actor: str) -> Account:
        require(actor_role, "manage_accounts")
        with self.db.transaction() as tx:
            old = self._row(tx, username)
            if not old["disabled"]:
                return self._must(old["username"])
            self._update(tx, old["username"], actor, disabled=0, failed_attempts=0, locked_until=None)
            audit.record_tx(tx, "account_enabled", actor, old["username"], role=actor_role)
        return self._must(old["username"])

    def unlock(self, username: str, *, actor_role: Role | str | None, actor: str) -> Account:
        require(actor_role, "manage_accounts")
        with self.db.transaction() as tx:
            old = self._row(tx, username)
            self._update(tx, old["username"], actor, failed_attempts=0, locked_until=None)
            audit.record_tx(tx, "account_unlocked", actor, old["username"], role=actor_role)
        return self._must(old["username"])

    # -- the demo ----------------------------------------------------------------------------------

    def ensure_demo_accounts(self) -> list[str]:
        """Create the demo's accounts that are missing (demo mode only); returns the names created."""
        missing = [n for n in passwords.DEMO_ACCOUNTS if self.get(n) is None]
        for name in missing:
            role, password = passwords.DEMO_ACCOUNTS[name]
            try:
                self.add(name, role, password, display_name=f"Demo {Role(role).label.lower()}",
                         actor_role=Role.BEHEERDER, actor="demo", demo=True)
            except AccountError:  # another server process created it at the same moment
                if self.get(name) is None:
                    raise
        return missing

    def active_demo_accounts(self) -> list[str]:
        """Enabled accounts that are demo accounts or still have a demo password (a real setup refuses them)."""
        rows = self.db.query("SELECT username, is_demo, password_hash FROM accounts WHERE disabled = 0 "
                             "ORDER BY username")
        found = []
        for r in rows:
            demo = passwords.DEMO_ACCOUNTS.get(r["username"])
            if r["is_demo"] or (demo and _has_password(r["password_hash"], demo[1])):
                found.append(r["username"])
        return found

    def disable_demo_accounts(self, *, actor_role: Role | str | None, actor: str) -> list[str]:
        names = self.active_demo_accounts()
        for name in names:
            self.disable(name, actor_role=actor_role, actor=actor, keep_admin=False)
        return names

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _role(role: Role | str) -> Role:
        parsed = parse_role(role)
        if parsed is None:
            raise AccountError(f"Onbekende rol {role!r}. Kies uit: {', '.join(r.value for r in Role)}.")
        return parsed

    @staticmethod
    def _row(tx: Transaction, username: str) -> dict:
        name = normalise_username(username)
        row = tx.one("SELECT username, role, disabled FROM accounts WHERE username = ?", (name,))
        if row is None:
            raise AccountError(f"Er is geen account met de naam {name}.")
        return row

    @staticmethod
    def _keep_an_administrator(tx: Transaction, leaving: str) -> None:
        # Demo accounts do not count: they must go before a real setup starts.
        others = tx.one("SELECT COUNT(*) AS n FROM accounts WHERE role = 'beheerder' AND disabled = 0 "
                        "AND is_demo = 0 AND username <> ?", (leaving,))
        if int(others["n"]) == 0:
            raise AccountError(f"{leaving} is de laatste beheerder. Maak eerst een andere beheerder aan.")

    @staticmethod
    def _update(tx: Transaction, username: str, actor: str, **values) -> None:
        values.update(updated_by=actor, updated_at=utcnow())
        tx.execute(f"UPDATE accounts SET {', '.join(f'{k} = ?' for k in values)} WHERE username = ?",
                   [*values.values(), username])

    def _must(self, username: str) -> Account:
        account = self.get(username)
        if account is None:
            raise AccountError(f"Er is geen account met de naam {username}.")
        return account
