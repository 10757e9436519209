"""Runtime settings: paths, privacy thresholds, sign-in, signals, loading limits, legal terms.

Values come from environment variables (prefix MSD_, all listed in :data:`VARIABLES` with their defaults)
so the same code runs in the demo, in tests and on a municipality's server without editing files.
``python settings.py`` prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"
CATALOGUE_PATH = DATA_DIR / "catalogue.toml"


ROLE_NAMES = ("raadslid", "griffie", "ambtenaar", "beheerder", "rekenkamer")  # the values of domain.roles.Role


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
    oidc_gemeente_claim: str = "gemeente"     # in a region: the claim with the member code (GM1234)
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



@dataclass(frozen=True)
class Variable:
    default: str  # as it would be written in the environment; "" = not set
    help: str
    group: str


def _vars(group: str, **entries: tuple[str, str]) -> dict[str, Variable]:
    return {name: Variable(default, help, group) for name, (default, help) in entries.items()}


# Every environment variable the monitor reads, with its default and what it does. Code reads them only through
# text() / integer() / number() / flag() below; tests/test_settings.py checks that nothing else reads MSD_*
# and that the README or docs/ name each one.
VARIABLES: dict[str, Variable] = {
    **_vars("Data and privacy",
            MSD_WAREHOUSE=("", "Folder of the warehouse releases; empty = data/warehouse in the project."),
            MSD_STORE_URL=("", "Database of notes, dossiers, accounts and the audit trail: sqlite:///PATH or "
                               "postgresql://...; empty = a SQLite file in store/ beside the warehouse."),
            MSD_MIN_COUNT=("5", "Counts below this are never shown."),
            MSD_MIN_COUNT_STRICT=("10", "The floor for sensitive subjects (domestic violence, child protection)."),
            MSD_MIN_DENOMINATOR=("50", "A percentage or rate needs at least this many people behind it."),
            MSD_NO_DEMO=("0", "1 = never build the demo warehouse when none is there (servers, tests)."),
            MSD_FOUR_EYES=("", "1 = a colleague of the author publishes a note; 0 = anyone who may; "
                               "empty = on, except on the demo data.")),
    **_vars("Sign-in and sessions",
            MSD_PUBLIC=("1", "1 = anyone may read what is published; 0 = sign-in required for everything."),
            MSD_PASSWORD_LOGIN=("1", "1 = built-in accounts (python -m auth) may sign in."),
            MSD_OIDC_PROVIDER=("", "Sign-in with the organisation's account: \"default\" = [auth] in secrets.toml, "
                                   "a name = [auth.<name>]; empty = off."),
            MSD_OIDC_ROLE_CLAIMS=("roles,groups", "Claims of the ID token that carry a role or group."),
            MSD_OIDC_ROLE_MAP=("", "claim value=role pairs, e.g. msd-griffie=griffie."),
            MSD_OIDC_EMAIL_ROLES=("", "e-mail=role pairs for people no claim maps."),
            MSD_OIDC_DEFAULT_ROLE=("", "Role of a signed-in person nothing maps; empty = no access."),
            MSD_OIDC_TENANT_IDS=("", "Entra ID tenants (tid) whose people may get a role."),
            MSD_OIDC_GEMEENTE_CLAIM=("gemeente", "In a region: the claim holding the member municipality's code."),
            MSD_LOCKOUT_ATTEMPTS=("5", "Wrong passwords in a row before an account is locked."),
            MSD_LOCKOUT_MINUTES=("15", "How long a locked account stays locked."),
            MSD_SESSION_IDLE_MINUTES=("30", "A sign-in ends after this many minutes without use."),
            MSD_SESSION_MAX_HOURS=("10", "A sign-in ends after this many hours in any case."),
            MSD_SESSION_SECRET=("", "Key that signs the session cookie (several servers share it); empty = a "
                                    "key kept in the store."),
            MSD_SESSION_SECRET_FILE=("", "File holding that key (instead of MSD_SESSION_SECRET)."),
            MSD_TRUSTED_PROXY_HEADER=("", "Header with the visitor's address set by a proxy you run, e.g. "
                                          "X-Forwarded-For; empty = the connection's address."),
            MSD_HTTPS=("0", "1 = the session cookie gets the Secure flag (TLS ends at a proxy)."),
            MSD_SIGNIN_PER_ADDRESS=("20", "Sign-in attempts allowed per address ..."),
            MSD_SIGNIN_WINDOW_MINUTES=("10", "... within this many minutes.")),
    **_vars("Signals",
            MSD_SIGNAL_FDR=("0.05", "False-discovery rate over all change tests (Benjamini-Hochberg)."),
            MSD_SIGNAL_MIN_CHANGE_PCT=("10", "A smaller change (in %) is not a signal."),
            MSD_SIGNAL_PEER_MAD=("3", "Robust distance from the similar municipalities' median."),
            MSD_SIGNAL_MIN_PEERS=("5", "Fewer peers with the figure: no peer comparison."),
            MSD_SIGNAL_REVISION_PCT=("5", "A provisional figure revised by more than this share when final."),
            MSD_SIGNAL_BREAK_YEARS=("4", "A series break within this many years is new."),
            MSD_SIGNAL_BUDGET_PCT=("2", "Expected spending this share over the budget is a signal.")),
    **_vars("Loading",
            MSD_CBS_BASE_URL=("https://opendata.cbs.nl", "CBS OData v3 (StatLine)."),
            MSD_CBS_V4_BASE_URL=("https://datasets.cbs.nl/odata/v1/CBS", "CBS OData v4."),
            MSD_CBS_DATADERDEN_BASE_URL=("https://dataderden.cbs.nl", "CBS third-party catalogue (Iv3, RIVM)."),
            MSD_PDOK_BASE_URL=("https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1", "PDOK wijk boundaries."),
            MSD_HTTP_TIMEOUT=("60", "Seconds to wait for one answer of CBS or PDOK."),
            MSD_HTTP_RETRIES=("5", "Tries of a request that failed or was throttled."),
            MSD_HTTP_BACKOFF=("1.0", "First wait between tries in seconds (doubling each time)."),
            MSD_HTTP_RETRY_AFTER_MAX=("120", "Longest Retry-After wait honoured, in seconds."),
            MSD_MAX_EXTRACT_MB=("1024", "Largest registry extract accepted, in MB."),
            MSD_MAX_EXTRACT_ROWS=("2000000", "Most rows in one extract."),
            MSD_MAX_EXTRACT_COLUMNS=("250", "Most columns in one extract."),
            MSD_MAX_EXTRACT_CELLS=("40000000", "Most cells (rows times columns) in one extract."),
            MSD_MAX_UNZIPPED_MB=("256", "Largest unpacked size of an Excel extract, in MB.")),
    **_vars("Legal terms (days; the registry's \"later than the legal term\" figures)",
            MSD_TERM_WMO_ASSESSMENT_DAYS=("42", "Wmo: the assessment (onderzoek) after the melding; the law says 6 weeks."),
            MSD_TERM_WMO_DECISION_DAYS=("14", "Wmo: the decision after the application (aanvraag); the law says 2 weeks."),
            MSD_TERM_JEUGD_DAYS=("56", "Jeugdwet: the decision after the application; 8 weeks (Awb)."),
            MSD_TERM_PARTICIPATIE_DAYS=("56", "Participatiewet: the decision on bijstand after the application; 8 weeks."),
            MSD_TERM_SCHULDHULP_DAYS=("28", "Debt help: the first talk after the request; the Wgs says 4 weeks."),
            MSD_TERM_OBJECTION_DAYS=("42", "Objections: the decision after receipt; Awb 7:10 says 6 weeks (12 with an "
                                           "advisory committee)."),
            MSD_TERM_OBJECTION_EXTENSION_DAYS=("42", "Objections: the extension the municipality may take on top; Awb "
                                                     "7:10 says 6 weeks (0 = none).")),
    **_vars("Serving",
            MSD_PAGE_RUNS=("", "Page scripts computing at once per server; empty = one per core."),
            MSD_VALIDATE_CHARTS=("0", "1 = check every chart specification against the schema (tests).")),
    **_vars("Development",
            MSD_CHROMIUM=("", "Chromium for the browser tests; empty = Debian's /usr/bin/chromium."),
            MSD_PG_BINDIR=("", "PostgreSQL server binaries for the tests; empty = Debian's newest."),
            MSD_BROWSER_ARTIFACTS=("", "Folder for screenshots of failed browser tests."),
            MSD_TEST_TEMPFILE_LOG=("", "Set by a test: log where the server writes temporary files."),
            MSD_SITE_AXE_ALL=("", "1 = the public-site test runs axe-core on every page, not a sample.")),
}


def text(name: str) -> str:
    """The variable's value (stripped), or its default when it is not set or empty."""
    raw = os.environ.get(name)
    return VARIABLES[name].default if raw is None or raw.strip() == "" else raw.strip()


def integer(name: str) -> int:
    raw = text(name)
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"Setting {name} must be a whole number, got {raw!r}") from exc


def number(name: str) -> float:
    raw = text(name)
    try:
        return float(raw.replace(",", "."))
    except ValueError as exc:
        raise SystemExit(f"Setting {name} must be a number, got {raw!r}") from exc


def flag(name: str) -> bool:
    raw = text(name).lower()
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
    raw = text(name)
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
    default_role = text("MSD_OIDC_DEFAULT_ROLE")
    return AuthSettings(
        public_read=flag("MSD_PUBLIC"),
        password_login=flag("MSD_PASSWORD_LOGIN"),
        oidc_provider=text("MSD_OIDC_PROVIDER"),
        oidc_role_claims=tuple(c.strip() for c in text("MSD_OIDC_ROLE_CLAIMS").split(",") if c.strip()),
        oidc_role_map=_mapping("MSD_OIDC_ROLE_MAP"),
        oidc_email_roles=_mapping("MSD_OIDC_EMAIL_ROLES", lower_keys=True),
        oidc_default_role=_role("MSD_OIDC_DEFAULT_ROLE", default_role) if default_role else "",
        # Entra ID: only people of these tenants get a role (a multi-tenant app lets in any organisation).
        oidc_tenant_ids=tuple(text("MSD_OIDC_TENANT_IDS").replace(",", " ").lower().split()),
        oidc_gemeente_claim=text("MSD_OIDC_GEMEENTE_CLAIM").strip() or "gemeente",
        lockout_attempts=max(1, integer("MSD_LOCKOUT_ATTEMPTS")),
        lockout_minutes=max(1, integer("MSD_LOCKOUT_MINUTES")),
        session_idle_minutes=max(1, integer("MSD_SESSION_IDLE_MINUTES")),
        session_max_hours=max(1, integer("MSD_SESSION_MAX_HOURS")),
    )


@dataclass(frozen=True)
class LegalTerms:
    """The legal terms in days, per law (defaults as the laws say; a municipality may set its own)."""

    # The defaults are the settings' own (VARIABLES), so they are written in one place.
    wmo_assessment: int = int(VARIABLES["MSD_TERM_WMO_ASSESSMENT_DAYS"].default)  # Wmo 2015 art. 2.3.2: 6 weeks
    wmo_decision: int = int(VARIABLES["MSD_TERM_WMO_DECISION_DAYS"].default)      # Wmo 2015 art. 2.3.5: 2 weeks
    jeugd: int = int(VARIABLES["MSD_TERM_JEUGD_DAYS"].default)                    # Awb 4:13: 8 weeks
    participatie: int = int(VARIABLES["MSD_TERM_PARTICIPATIE_DAYS"].default)      # Participatiewet / Awb: 8 weeks
    schuldhulp: int = int(VARIABLES["MSD_TERM_SCHULDHULP_DAYS"].default)          # Wgs art. 4: 4 weeks
    objection: int = int(VARIABLES["MSD_TERM_OBJECTION_DAYS"].default)            # Awb 7:10 lid 1: 6 weeks
    objection_extension: int = int(VARIABLES["MSD_TERM_OBJECTION_EXTENSION_DAYS"].default)  # Awb 7:10 lid 3: 6 weeks

    def days(self, law: str) -> int:
        """Days from the registry's request date to its decision date within which the law is met. The Wmo
        registry has the melding, not the aanvraag: its term is the assessment plus the decision."""
        if law == "wmo":
            return self.wmo_assessment + self.wmo_decision
        return getattr(self, law)

    def objection_days(self) -> int:
        """Days from receiving an objection within which it is decided, the extension included."""
        return self.objection + self.objection_extension


def load_terms() -> LegalTerms:
    # A term is at least a day; an extension may be none.
    return LegalTerms(**{f: max(0 if f == "objection_extension" else 1, integer(f"MSD_TERM_{f.upper()}_DAYS"))
                         for f in LegalTerms.__dataclass_fields__})


def load(warehouse: str | Path | None = None) -> Settings:
    wh = Path(warehouse or text("MSD_WAREHOUSE") or DATA_DIR / "warehouse").resolve()
    return Settings(
        warehouse=wh,
        store_url=text("MSD_STORE_URL") or f"sqlite:///{wh.parent / 'store' / 'monitor.sqlite'}",
        min_count=integer("MSD_MIN_COUNT"),
        min_count_strict=integer("MSD_MIN_COUNT_STRICT"),
        min_denominator=integer("MSD_MIN_DENOMINATOR"),
        auth=load_auth(),
        four_eyes=flag("MSD_FOUR_EYES") if text("MSD_FOUR_EYES") else None,
        signals=SignalSettings(fdr=number("MSD_SIGNAL_FDR"), min_change_pct=number("MSD_SIGNAL_MIN_CHANGE_PCT"),
                               peer_mad=number("MSD_SIGNAL_PEER_MAD"), min_peers=integer("MSD_SIGNAL_MIN_PEERS"),
                               revision_pct=number("MSD_SIGNAL_REVISION_PCT"),
                               break_years=integer("MSD_SIGNAL_BREAK_YEARS"),
                               budget_pct=number("MSD_SIGNAL_BUDGET_PCT")),
    )


if __name__ == "__main__":
    for group in dict.fromkeys(v.group for v in VARIABLES.values()):
        print(f"\n{group}")
        for name, var in VARIABLES.items():
            if var.group == group:
                print(f"  {name} = {var.default!r}\n      {var.help}")
