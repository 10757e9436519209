"""Runtime settings: paths, privacy thresholds, sign-in and roles.

Values come from environment variables (prefix MSD_) so the same code runs in the demo, in tests and
on a municipality's server without editing files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"
CATALOGUE_PATH = DATA_DIR / "catalogue.toml"


ROLE_NAMES = ("raadslid", "griffie", "ambtenaar", "beheerder")  # the values of auth.roles.Role


@dataclass(frozen=True)
class AuthSettings:
    """Sign-in and roles (README, "Inloggen en rollen"). Defaults suit the public demo."""

    public_read: bool = True                  # anonymous visitors may read published content
    password_login: bool = True               # built-in accounts (python -m auth) may sign in
    oidc_provider: str = ""                   # "" = no OIDC; "default" = [auth] in secrets.toml; else [auth.<name>]
    oidc_role_claims: tuple[str, ...] = ("roles", "groups")
    oidc_role_map: dict[str, str] = field(default_factory=dict)     # claim value -> role
    oidc_email_roles: dict[str, str] = field(default_factory=dict)  # lower-case e-mail -> role
    oidc_default_role: str = ""               # role for a signed-in person nothing maps; "" = no access
    oidc_tenant_ids: tuple[str, ...] = ()     # Entra tenant ids (tid) whose people may get a role
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    session_idle_minutes: int = 30
    session_max_hours: int = 10


@dataclass(frozen=True)
class SignalSettings:
    """Thresholds of the signal engine (docs/signals.md explains each in plain words)."""

    fdr: float = 0.05                 # Benjamini-Hochberg false-discovery rate over all change tests
    min_change_pct: float = 10.0      # a change smaller than this share is not worth the council's time
    peer_mad: float = 3.0             # robust distance (in MAD units, x 1.4826) from the peers' median
    min_peers: int = 5                # fewer peers with a figure: no peer comparison
    revision_pct: float = 5.0         # a provisional figure revised by more than this share when final
    break_years: int = 4              # a series break in the latest this many years (a council term) is new
    budget_pct: float = 2.0           # a law expected to spend more than this share over its budget this year


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    store_url: str
    min_count: int
    min_count_strict: int
    min_denominator: int
    auth: AuthSettings = field(default_factory=AuthSettings)
    # Four-eyes review of notes: None = automatic (on, except on the demo data); see four_eyes_for.
    four_eyes: bool | None = None

    def four_eyes_for(self, is_demo: bool) -> bool:
        """Whether the publisher of a note must be someone else than its author."""
        return (not is_demo) if self.four_eyes is None else self.four_eyes
    signals: SignalSettings = field(default_factory=SignalSettings)

    @property
    def default_store_url(self) -> str:
        return f"sqlite:///{self.warehouse.parent / 'store' / 'monitor.sqlite'}"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"Setting {name} must be a whole number, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw.replace(",", "."))
    except ValueError as exc:
        raise SystemExit(f"Setting {name} must be a number, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "ja", "on"):
        return True
    if raw in ("0", "false", "no", "nee", "off"):
        return False
    raise SystemExit(f"Setting {name} must be 1 or 0, got {raw!r}")


def _role(name: str, value: str) -> str:
    value = value.strip().lower()
    if value not in ROLE_NAMES:
        raise SystemExit(f"Setting {name}: unknown role {value!r} (choose from {', '.join(ROLE_NAMES)})")
    return value


def _mapping(name: str, *, lower_keys: bool = False) -> dict[str, str]:
    """``key=role`` pairs separated by commas, semicolons or new lines, e.g. ``a@x.nl=beheerder, b@x.nl=griffie``."""
    result: dict[str, str] = {}
    raw = os.environ.get(name) or ""
    for item in raw.replace(";", ",").replace("\n", ",").split(","):
        if not item.strip():
            continue
        key, sep, value = item.rpartition("=")
        if not sep or not key.strip():
            raise SystemExit(f"Setting {name}: expected key=role pairs, got {item.strip()!r}")
        key = key.strip().lower() if lower_keys else key.strip()
        result[key] = _role(name, value)
    return result


def load_auth() -> AuthSettings:
    default_role = (os.environ.get("MSD_OIDC_DEFAULT_ROLE") or "").strip()
    raw_claims = os.environ.get("MSD_OIDC_ROLE_CLAIMS") or "roles,groups"
    claims = tuple(c.strip() for c in raw_claims.split(",") if c.strip())
    return AuthSettings(
        # A public monitor: anyone may read what is published. Set 0 to require sign-in for everything.
        public_read=_bool("MSD_PUBLIC", True),
        password_login=_bool("MSD_PASSWORD_LOGIN", True),
        oidc_provider=(os.environ.get("MSD_OIDC_PROVIDER") or "").strip(),
        oidc_role_claims=claims,
        oidc_role_map=_mapping("MSD_OIDC_ROLE_MAP"),
        oidc_email_roles=_mapping("MSD_OIDC_EMAIL_ROLES", lower_keys=True),
        oidc_default_role=_role("MSD_OIDC_DEFAULT_ROLE", default_role) if default_role else "",
        # Entra ID: only people of these tenants get a role (a multi-tenant app lets in any organisation).
        oidc_tenant_ids=tuple((os.environ.get("MSD_OIDC_TENANT_IDS") or "").replace(",", " ").lower().split()),
        # Five wrong passwords lock an account for a quarter of an hour (brute-force protection).
        lockout_attempts=max(1, _int("MSD_LOCKOUT_ATTEMPTS", 5)),
        lockout_minutes=max(1, _int("MSD_LOCKOUT_MINUTES", 15)),
        # A forgotten browser on a shared council laptop signs itself out.
        session_idle_minutes=max(1, _int("MSD_SESSION_IDLE_MINUTES", 30)),
        session_max_hours=max(1, _int("MSD_SESSION_MAX_HOURS", 10)),
    )


def load(warehouse: str | Path | None = None) -> Settings:
    wh = Path(warehouse or os.environ.get("MSD_WAREHOUSE") or DATA_DIR / "warehouse").resolve()
    store = os.environ.get("MSD_STORE_URL") or f"sqlite:///{wh.parent / 'store' / 'monitor.sqlite'}"
    return Settings(
        warehouse=wh,
        store_url=store,
        # Counts below this are never shown (CBS / Amsterdam practice).
        min_count=_int("MSD_MIN_COUNT", 5),
        # Sensitive subjects (domestic violence, child protection) get a stricter floor.
        min_count_strict=_int("MSD_MIN_COUNT_STRICT", 10),
        # A percentage or rate needs at least this many people behind it.
        min_denominator=_int("MSD_MIN_DENOMINATOR", 50),
        auth=load_auth(),
        # MSD_FOUR_EYES=1: a note is published only by a colleague of the person who wrote it (the store refuses
        # otherwise). Unset: on, except on the demo data, where one demo account shows the whole flow. 0: off.
        four_eyes=_bool("MSD_FOUR_EYES", True) if (os.environ.get("MSD_FOUR_EYES") or "").strip() else None,
        signals=SignalSettings(fdr=_float("MSD_SIGNAL_FDR", 0.05), min_change_pct=_float("MSD_SIGNAL_MIN_CHANGE_PCT", 10.0),
                               peer_mad=_float("MSD_SIGNAL_PEER_MAD", 3.0), min_peers=_int("MSD_SIGNAL_MIN_PEERS", 5),
                               revision_pct=_float("MSD_SIGNAL_REVISION_PCT", 5.0),
                               break_years=_int("MSD_SIGNAL_BREAK_YEARS", 4),
                               budget_pct=_float("MSD_SIGNAL_BUDGET_PCT", 2.0)),
    )
