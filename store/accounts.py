"""Built-in accounts: add, change role, reset password, disable, unlock; sign-in with lock-out.

Every change checks ``manage_accounts`` with :func:`domain.roles.require` (the command line acts as the
administrator) and writes an audit entry in the same transaction. A sign-in first counts the attempt
in one UPDATE (which also sets the lock-out), and only then verifies the argon2 hash, outside any
transaction (it is slow on purpose): parallel guesses cannot slip past the lock-out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain import passwords
from domain.roles import Role, parse_role, require
from store import audit
from store.db import Database, Transaction, utcnow

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,99}$")
LOGIN_FAILED_TEXT = "De gebruikersnaam of het wachtwoord klopt niet."

COLUMNS = ("username", "display_name", "role", "disabled", "is_demo", "failed_attempts", "locked_until",
           "password_changed_at", "last_login_at", "created_by", "created_at", "updated_by", "updated_at", "gemeente")
_GEMEENTE = re.compile(r"^GM\d{4}$")


class AccountError(Exception):
    """A refused account change; the message is Dutch and meant for the person at the screen."""


class LoginFailed(Exception):
    """Wrong name or password, a disabled account, or a locked one (message is Dutch)."""


class AccountLocked(LoginFailed):
    """The account is locked. Its message is the same as any failed sign-in's: the screen must not tell a
    locked (so existing) account from an unknown name."""


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
    gemeente: str | None = None  # the member municipality in a region; None = the whole installation

    def locked_at(self, moment: datetime) -> bool:
        return bool(self.locked_until) and _parse(self.locked_until) > moment


def _now() -> datetime:
    """The clock (replaced in tests that check lock-out expiry)."""
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _account(row: dict) -> Account:
    return Account(username=row["username"], display_name=row["display_name"], role=Role(row["role"]),
                   disabled=bool(row["disabled"]), is_demo=bool(row["is_demo"]),
                   failed_attempts=int(row["failed_attempts"]), locked_until=row["locked_until"],
                   password_changed_at=row["password_changed_at"], last_login_at=row["last_login_at"],
                   created_by=row["created_by"], created_at=row["created_at"], updated_by=row["updated_by"],
                   updated_at=row["updated_at"], gemeente=row.get("gemeente") or None)


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

    def authenticate(self, username: str, password: str, *, allow_demo: bool = True) -> Account:
        """The account when name and password match; otherwise :class:`LoginFailed` (every outcome audited).

        The attempt is counted (and the lock-out set) in one UPDATE before the hash is checked, so parallel
        guesses cannot slip past the lock-out: at most ``lockout_attempts`` passwords are ever checked per
        lock period. Every failure, for a known name or not, costs one hash check and gives the same text.
        ``allow_demo=False`` refuses the demo's accounts (a release with real data)."""
        name = normalise_username(username)
        now = _now()
        row = self._count_attempt(name, now) if _USERNAME.match(name) else None
        if row is None:
            passwords.burn_time(password)
            known = self.db.query("SELECT role FROM accounts WHERE username = ?", (name,)) if name else []
            reason = "account is geblokkeerd" if known else "onbekende gebruikersnaam"
            audit.record("login_failed", name or "(leeg)", reason, role=known[0]["role"] if known else None,
                         db=self.db)
            raise (AccountLocked if known else LoginFailed)(self.failed_text)
        locked_now = row["locked_until"] is not None
        if not passwords.verify_password(row["password_hash"], password):
            attempt = self.lockout_attempts if locked_now else int(row["failed_attempts"])
            with self.db.transaction() as tx:
                audit.record_tx(tx, "login_failed", name, f"fout wachtwoord (poging {attempt})", role=row["role"])
                if locked_now:
                    audit.record_tx(tx, "account_locked", name, f"{attempt} foute pogingen; geblokkeerd tot "
                                    f"{row['locked_until']}", role=row["role"])
            raise (AccountLocked if locked_now else LoginFailed)(self.failed_text)
        refused = ("account is uitgeschakeld" if row["disabled"] else
                   "demo-account op een release met echte gegevens" if row["is_demo"] and not allow_demo else "")
        if refused:
            audit.record("login_failed", name, refused, role=row["role"], db=self.db)
            raise LoginFailed(self.failed_text)
        with self.db.transaction() as tx:
            params: list = [_iso(now)]
            sql = "UPDATE accounts SET failed_attempts = 0, locked_until = NULL, last_login_at = ?"
            if passwords.needs_rehash(row["password_hash"]):
                sql += ", password_hash = ?"
                params.append(passwords.hash_password(password))
            tx.execute(sql + " WHERE username = ?", [*params, name])
            audit.record_tx(tx, "login", name, "met wachtwoord", role=row["role"])
        return self._must(name)

    def _count_attempt(self, name: str, now: datetime) -> dict | None:
        """Count one attempt and lock the account when it is the last one allowed, in one statement.
        None when the name is unknown or the account is locked (then no password may be checked)."""
        until = _iso(now + timedelta(minutes=self.lockout_minutes))
        with self.db.transaction() as tx:
            return tx.one(
                "UPDATE accounts SET "
                "failed_attempts = CASE WHEN failed_attempts + 1 >= ? THEN 0 ELSE failed_attempts + 1 END, "
                "locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE NULL END "
                "WHERE username = ? AND (locked_until IS NULL OR locked_until <= ?) "
                "RETURNING role, password_hash, disabled, is_demo, failed_attempts, locked_until",
                (self.lockout_attempts, self.lockout_attempts, until, name, _iso(now)))

    @property
    def failed_text(self) -> str:
        """One text for every failed sign-in: it must not tell whether a name exists or is locked."""
        return (f"{LOGIN_FAILED_TEXT} Na {self.lockout_attempts} foute pogingen gaat een account "
                f"{self.lockout_minutes} minuten op slot; vraag de beheerder als u er niet uitkomt.")

    # -- managing --------------------------------------------------------------------------------

    def add(self, username: str, role: Role | str, password: str, *, display_name: str = "",
            actor_role: Role | str | None, actor: str, demo: bool = False, gemeente: str | None = None,
            members: Sequence[str] = ()) -> Account:
        """A new account; ``gemeente`` (a code of ``members``, the current release's member municipalities)
        makes it an account of that member, None one of the whole installation."""
        require(actor_role, "manage_accounts")
        name = normalise_username(username)
        new_role = self._role(role)
        member = self.member_code(gemeente, members, new_role)
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
                       "updated_by, updated_at, gemeente) VALUES (?, ?, ?, ?, 0, ?, 0, NULL, ?, NULL, ?, ?, ?, ?, ?)",
                       (name, display, new_role.value, password_hash, int(demo), now, actor, now, actor, now, member))
            where = f" van {member}" if member else ""
            audit.record_tx(tx, "account_created", actor, f"{name} als {new_role.label}{where}", role=actor_role)
        return self._must(name)

    def set_role(self, username: str, role: Role | str, *, actor_role: Role | str | None, actor: str,
                 keep_admin: bool = True) -> Account:
        require(actor_role, "manage_accounts")
        new_role = self._role(role)
        with self.db.transaction() as tx:
            old = self._row(tx, username)
            if old["role"] == new_role.value:  # nothing to change (no write, no audit entry)
                return self._account_tx(tx, old["username"])
            if keep_admin and old["role"] == Role.BEHEERDER.value and not old["disabled"]:
                self._keep_an_administrator(tx, old["username"])
            self._update(tx, old["username"], actor, role=new_role.value)
            audit.record_tx(tx, "account_role_changed", actor,
                            f"{old['username']}: {Role(old['role']).label} -> {new_role.label}", role=actor_role)
        return self._must(old["username"])

    def set_gemeente(self, username: str, gemeente: str | None, *, members: Sequence[str],
                     actor_role: Role | str | None, actor: str) -> Account:
        """Make the account one of member ``gemeente`` (a code of ``members``), or of the whole installation
        (None). Its open sessions take the new scope at their next run (the session table is read every run)."""
        require(actor_role, "manage_accounts")
        with self.db.transaction() as tx:
            old = self._row(tx, username)
            member = self.member_code(gemeente, members, Role(old["role"]))
            if (old.get("gemeente") or None) == member:
                return self._account_tx(tx, old["username"])
            self._update(tx, old["username"], actor, gemeente=member)
            audit.record_tx(tx, "account_gemeente_changed", actor,
                            f"{old['username']}: {old.get('gemeente') or 'hele installatie'} -> "
                            f"{member or 'hele installatie'}", role=actor_role)
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
                return self._account_tx(tx, old["username"])
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
                return self._account_tx(tx, old["username"])
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

    def ensure_demo_accounts(self, members: Sequence[str] = ()) -> list[str]:
        """Create the demo's accounts that are missing (demo mode only); returns the names created. When the
        demo is a region (``members``), its extra accounts come too and each demo account gets its member."""
        wanted = passwords.demo_accounts(members)
        missing = [n for n in wanted if self.get(n) is None]
        for name in missing:
            role, password, gemeente = wanted[name]
            try:
                self.add(name, role, password, display_name=f"Demo {Role(role).label.lower()}",
                         actor_role=Role.BEHEERDER, actor="demo", demo=True, gemeente=gemeente, members=members)
            except AccountError:  # another server process created it at the same moment
                if self.get(name) is None:
                    raise
        for name, (_, _, gemeente) in wanted.items():  # a demo that became a region, or one again
            account = self.get(name)
            if account is not None and account.is_demo and account.gemeente != gemeente:
                self.set_gemeente(name, gemeente, members=members, actor_role=Role.BEHEERDER, actor="demo")
        return missing

    def active_demo_accounts(self) -> list[str]:
        """Enabled accounts that are demo accounts or still have a demo password (a real setup refuses them)."""
        rows = self.db.query("SELECT username, is_demo, password_hash FROM accounts WHERE disabled = 0 "
                             "ORDER BY username")
        found = []
        for r in rows:
            demo = passwords.DEMO_ACCOUNTS.get(r["username"]) or passwords.DEMO_REGION_ACCOUNTS.get(r["username"])
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
    def member_code(gemeente: str | None, members: Sequence[str], role: Role) -> str | None:
        """The checked member code for an account (None: the whole installation)."""
        code = (gemeente or "").strip().upper() or None
        if code is None:
            return None
        known = [str(m).strip().upper() for m in members]
        if not _GEMEENTE.match(code):
            raise AccountError(f"De gemeentecode {code} klopt niet: een gemeentecode ziet eruit als GM1234.")
        if code not in known:
            listed = ", ".join(known) if known else "geen: de geladen cijfers hebben geen leden"
            raise AccountError(f"Gemeente {code} hoort niet bij de gemeenten van deze monitor ({listed}).")
        if role is Role.BEHEERDER:
            raise AccountError("Een beheerder hoort bij de hele installatie, niet bij één gemeente. Laat de gemeente "
                               "leeg.")
        return code

    @staticmethod
    def _row(tx: Transaction, username: str) -> dict:
        name = normalise_username(username)
        row = tx.one("SELECT username, role, disabled, gemeente FROM accounts WHERE username = ?", (name,))
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

    @staticmethod
    def _account_tx(tx: Transaction, username: str) -> Account:
        """The account read inside a running transaction: reading through ``self.db`` there would open a
        second connection, which on SQLite waits for the write lock this transaction holds."""
        return _account(tx.one(f"SELECT {', '.join(COLUMNS)} FROM accounts WHERE username = ?", (username,)))

    def _must(self, username: str) -> Account:
        account = self.get(username)
        if account is None:
            raise AccountError(f"Er is geen account met de naam {username}.")
        return account
