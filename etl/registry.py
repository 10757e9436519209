"""The municipality's own registry extracts (Wmo, youth, Participatiewet, debt help), counted on load.

An extract is person level: client ids (BSN or pseudonym), household ids, birth dates, postcodes.
None of that is ever written anywhere. The file is read into memory, checked, turned into counts
per wijk / buurt / municipality, period and category, small cells are suppressed, and only those
counts are published. Error messages name a row number and a column, never a value from the row.
Fields that become categories (product, route, delivery form, referrer) are checked against their
code lists, so free text never becomes a label. Readers refuse oversized input (:class:`ReaderLimits`)
before it is parsed, and a load is staged until a person confirms it (docs/loading-safely.md).

Column names differ per source system; a *profile* (``data/profiles/<name>.toml``) maps them to the
standard fields below. See ``data/profiles/standaard.toml`` for the format.

Two extracts are not about one law's provisions and come with a kind instead of a law
(:data:`EXTRA_KINDS`): complaints, objections, appeals and court cases of every law
(:mod:`etl.registry_cases`) and debt-help early-warning signals (:mod:`etl.registry_signals`). They share
this load: the reader and its limits, the error limit, suppression, staging and publication.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

import settings as settings_mod
from domain.suppression import protect as protect_cells
from etl import registry_cases, registry_cases_base, registry_members, registry_providers, registry_signals
from etl.registry_counts import (  # noqa: F401  (this module's public names)
    Period,
    aggregate,
    law_periods,
    periods,
    stapeling,
    stapeling_periods,
)
from etl.registry_read import (  # noqa: F401  (this module's public names)
    AGE_GROUPS,
    COMPLETED_REASONS,
    CORE_STAPELING_LAWS,
    DATE_FIELDS,
    DELIVERY_FORMS,
    FIELDS,
    INFLOW_GAP_DAYS,
    LAWS,
    OTHER,
    POSTCODES_FILE,
    PROFILES_DIR,
    REFERRERS,
    ROUTES,
    SAMPLE_PROBLEMS,
    STAPELING_LAWS,
    Checked,
    Extract,
    ExtractRefused,
    ReaderLimits,
    _n,
    check_size,
    load_profile,
    prepare,
    read_raw,
    validate,
)
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import SOURCE_SCHEMA, current_release

# Extract kinds that are not one law's provisions (``Extract.law`` holds the kind): each module checks and
# counts its own rows (etl.registry_cases, etl.registry_signals); they share the reader, limits and load.
EXTRA_KINDS = {"cases": registry_cases, "signals": registry_signals}
KINDS = LAWS + tuple(EXTRA_KINDS)
SOURCE_TITLES = {"cases": "Eigen registratie klachten, bezwaren en beroepen",
                 "signals": "Eigen registratie vroegsignalering schulden",
                 "stapeling": "Eigen registratie Wmo, Jeugd en Participatiewet samen",
                 "stapeling-schuldhulp": "Eigen registratie schuldhulp met andere wetten",
                 "stapeling-18": "Eigen registratie jeugdhulp en hulp na 18 jaar"}
STAPELING_CORE_MEASURES = {"households", "households_multi", "beschikkingen_per_household"}


@dataclass
class LoadReport:
    rows: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    problems: dict[str, list[tuple[int | None, str, str]]] = field(default_factory=dict)
    problem_counts: dict[str, int] = field(default_factory=dict)
    # law -> field -> rows whose value was not in the code list and was counted as "overig"
    other: dict[str, dict[str, int]] = field(default_factory=dict)
    observations: int = 0
    release: str | None = None
    staged: bool = False



def protect(obs: pl.DataFrame, indicators: pl.DataFrame, s: settings_mod.Settings) -> pl.DataFrame:
    """Suppress small cells before anything is stored, and every cell that would let a hidden one be
    computed back over areas, categories and periods (domain.suppression.protect)."""
    return protect_cells(obs, indicators, s)




# ---------------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------------
def read_postcodes(data: bytes, name: str = "postcodes") -> pl.DataFrame:
    if not data.strip():
        raise ExtractRefused(f"{name}: de postcodetabel is leeg")
    try:
        pc = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except Exception as exc:
        raise ExtractRefused(f"{name}: de postcodetabel is geen leesbaar CSV-bestand") from exc
    missing = {"postcode", "wijk_code"} - set(pc.columns)
    if missing:
        raise ExtractRefused(f"{name}: kolommen ontbreken: {sorted(missing)} (nodig: postcode, wijk_code; "
                             "buurt_code en namen mogen)")
    for col in ("buurt_code", "buurt_name", "wijk_name", "gemeente_code", "gemeente_name"):
        if col not in pc.columns:
            pc = pc.with_columns(pl.lit(None, pl.String).alias(col))
    return pc.with_columns(postcode=pl.col("postcode").str.replace_all(" ", "").str.to_uppercase(),
                           wijk_from_pc=pl.col("wijk_code").str.to_uppercase())


def _regions_rows(pc: pl.DataFrame, gemeente: str, gemeente_name: str | None) -> pl.DataFrame:
    wijken = pc.group_by("wijk_from_pc").agg(pl.col("wijk_name").first()).select(
        region_code="wijk_from_pc", name=pl.coalesce("wijk_name", "wijk_from_pc"), level=pl.lit("wijk"),
        parent_code=pl.lit(gemeente), gemeente_code=pl.lit(gemeente))
    buurten = pc.filter(pl.col("buurt_code").is_not_null()).group_by("buurt_code").agg(
        pl.col("buurt_name").first(), pl.col("wijk_from_pc").first()).select(
        region_code="buurt_code", name=pl.coalesce("buurt_name", "buurt_code"), level=pl.lit("buurt"),
        parent_code="wijk_from_pc", gemeente_code=pl.lit(gemeente))
    gm = pl.DataFrame([{"region_code": gemeente, "name": gemeente_name or gemeente, "level": "gemeente",
                        "parent_code": "NL01", "gemeente_code": gemeente}])
    return pl.concat([gm, wijken, buurten])


def load(extracts: list[Extract], postcodes: bytes, *, gemeente: str | None, warehouse: Path,
         catalogue_path: Path | None = None, reference_date: date | None = None, max_errors: int | None = None,
         settings: settings_mod.Settings | None = None, first_year: int | None = None,
         stage: bool | None = None, demo: bool = False, limits: ReaderLimits | None = None) -> LoadReport:
    """Check, count and publish one or more extracts together. Nothing is written unless all pass.

    Each law (and each extra kind: complaints and objections, signals) replaces only the periods its
    extract covers. ``stage=True`` builds the release without
    making it current (the upload page then shows a preview; see warehouse.publication.confirm)."""
    reference = reference_date or date.today()
    s = settings or settings_mod.load(warehouse)
    limits = limits or ReaderLimits.from_env()
    cat = catalogue_mod.load(catalogue_path)
    indicators = cat.to_frame()
    release = current_release(warehouse)
    gemeente = gemeente or (release.meta.get("gemeente") if release else None)
    if not gemeente:
        raise ExtractRefused("Welke gemeente? Geef --gemeente GMxxxx (of laad eerst CBS-cijfers of de demo)")
    # In a region each member has its own sources and postcodes (etl.registry_members).
    registry_members.check_member(release.meta if release else None, gemeente)
    prefix = registry_members.source_prefix(release.meta if release else None, gemeente)
    pc = registry_members.member_postcodes(read_postcodes(postcodes), gemeente)
    gm_names = pc.filter(pl.col("gemeente_code") == gemeente)["gemeente_name"].drop_nulls()
    known = set(pc["wijk_from_pc"].drop_nulls().to_list())
    if release is not None:
        regs = release.table("regions")
        known |= set(regs.filter((pl.col("level") == "wijk") & (pl.col("gemeente_code") == gemeente))["region_code"])
    report = LoadReport()
    prepared = []
    frames, covered = [], {}
    for ex in extracts:
        if ex.law in EXTRA_KINDS:  # complaints and objections, early-warning signals: counted on their own
            module = EXTRA_KINDS[ex.law]
            height, checked = module.check(ex, pc, reference, known, limits)
            good = _judge(ex, height, checked, max_errors, report)
            obs_kind, years = module.aggregate(good, extra_wanted(cat.entries, module.KIND), reference, gemeente,
                                               first_year)
            del good, checked
            covered[f"{prefix}:{ex.law}"] = years
            frames.append(obs_kind.with_columns(source_id=pl.lit(f"{prefix}:{ex.law}")))
            continue
        if ex.law not in LAWS:
            raise ExtractRefused(f"{ex.name}: onbekende wet {ex.law!r} (een van {', '.join(LAWS)}, "
                                 f"of de soort {' of '.join(EXTRA_KINDS)})")
        profile = load_profile(ex.profile)
        raw = read_raw(ex, profile, limits)
        if raw.height == 0:
            raise ExtractRefused(f"{ex.name}: het bestand heeft een kopregel maar geen rijen")
        checked = validate(raw, ex.law, profile, pc, reference, known)
        good = _judge(ex, raw.height, checked, max_errors, report)
        prepared.append(good.with_columns(pl.lit(ex.law).alias("_law")))
        del raw, checked, good
    provider_files: dict[str, bytes] = {}  # civil servants only (etl.registry_providers)
    if prepared:
        _count_provisions(prepared, cat, gemeente, reference, first_year, frames, covered, s, provider_files,
                          prefix)
    del prepared  # the person-level frames are not needed any more
    obs = protect(pl.concat(frames, how="diagonal_relaxed"), indicators, s)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    sources = pl.DataFrame([{
        "source_id": sid, "kind": "registry", "table_id": "",
        "title": _title(sid, release.meta if release else {}),
        "url": "", "release": reference.isoformat(), "loaded_at": now,
        "checksum": hashlib.sha256(b"".join(e.data for e in extracts)).hexdigest()[:16],
        "rows": int(obs.filter(pl.col("source_id") == sid).height),
    } for sid in sorted(covered)], schema=SOURCE_SCHEMA)
    meta = {} if release and release.meta.get("gemeente") else {"gemeente": gemeente}
    if release is not None and release.meta.get("members"):  # one table for all members
        postcodes = registry_members.merge_postcodes(stored_postcodes(warehouse), postcodes, gemeente=gemeente,
                                                     home=release.meta.get("gemeente"))
    rel = publish(warehouse, indicators=indicators, observations=obs, sources=sources,
                  regions=_regions_rows(pc, gemeente, gm_names[0] if gm_names.len() else None),
                  replace_periods=covered, files={POSTCODES_FILE: postcodes, **provider_files},
                  meta=meta | ({"demo": True} if demo else {}), stage=stage)
    report.observations, report.release, report.staged = obs.height, rel.id, bool(rel.meta.get("staged"))
    return report



def _title(source_id: str, meta: dict) -> str:
    kind, member = registry_members.kind_of(source_id), registry_members.member_of(source_id)
    title = SOURCE_TITLES.get(kind, f"Eigen registratie {kind}")
    return f"{title} ({(meta.get('member_names') or {}).get(member, member)})" if member else title


def _judge(ex: Extract, height: int, checked: Checked, max_errors: int | None, report: LoadReport) -> pl.DataFrame:
    """The good rows of one checked extract, or a refusal above the error limit (nothing is loaded then)."""
    # The README's promise: nothing is loaded when more than 1% of the rows have a problem.
    limit = max_errors if max_errors is not None else height // 100
    report.rows[ex.law], report.skipped[ex.law] = height, checked.bad_rows
    report.problems[ex.law], report.problem_counts[ex.law] = checked.problems, checked.problem_count
    if checked.other:
        report.other[ex.law] = checked.other
    first = "; ".join(f"rij {r}, kolom {c or '-'}: {why}" for r, c, why in checked.problems[:5])
    if checked.problem_count > limit:
        raise ExtractRefused(
            f"{ex.name}: {_n(checked.problem_count)} problemen in {_n(checked.bad_rows)} van de {_n(height)} "
            f"rijen, meer dan de grens van {_n(limit)} "
            f"({'--max-errors' if max_errors is not None else '1% van de rijen'}); er is niets geladen. "
            f"Eerste: {first}", checked.problems, checked.problem_count)
    if checked.good.height == 0:
        raise ExtractRefused(f"{ex.name}: geen enkele rij is bruikbaar; er is niets geladen. Eerste: {first}",
                             checked.problems, checked.problem_count)
    return checked.good


def _count_provisions(prepared: list[pl.DataFrame], cat, gemeente: str, reference: date, first_year: int | None,
                      frames: list[pl.DataFrame], covered: dict[str, list[str]], s: settings_mod.Settings,
                      provider_files: dict[str, bytes], prefix: str = "registry") -> None:
    """The counts of the provision extracts (Wmo, youth, Participatiewet, debt help) and, for two or more of
    them, stapeling; appended to ``frames`` and ``covered`` (source ids ``<prefix>:<law>``)."""
    # Ids are coded together, so one household is the same number in every law (for stapeling).
    rows = prepare(pl.concat(prepared, how="diagonal_relaxed"), gemeente, reference)
    prepared.clear()
    provider_files.update(registry_providers.files(rows, reference, first_year, s,
                                                  prefix.partition(":")[2] or None))
    for law in sorted(set(rows["law"])):
        wanted = [{"id": e["id"], **e["source"]["registry"]} for e in cat.by_source("registry")
                  if e["source"]["registry"]["law"] == law]
        law_rows = rows.filter(pl.col("law") == law)
        covered[f"{prefix}:{law}"] = law_periods(law_rows, reference, first_year)["code"].to_list()
        frames.append(aggregate(law_rows, law, wanted, reference, first_year).with_columns(
            source_id=pl.lit(f"{prefix}:{law}")))
    # Households across laws can only be counted while the ids are in memory. Each group of figures has its
    # own source, replaced only by a load that holds the laws it needs: Wmo with debt help alone must not
    # overwrite the households per combination of the three core laws, nor the reverse.
    loaded = set(rows["law"])
    core = len(loaded & set(CORE_STAPELING_LAWS))
    groups = {f"{prefix}:stapeling": (core >= 2, STAPELING_CORE_MEASURES),
              f"{prefix}:stapeling-schuldhulp": ("schuldhulp" in loaded and core >= 1, {"households_debt_multi"}),
              f"{prefix}:stapeling-18": ("jeugd" in loaded and len(loaded & set(STAPELING_LAWS)) >= 2,
                                         {"transition_18"})}
    for source_id, (complete, measures) in groups.items():
        wanted = [{"id": e["id"], **e["source"]["registry"]} for e in cat.by_source("registry")
                  if e["source"]["registry"]["law"] == "stapeling" and e["source"]["registry"]["measure"] in measures]
        if complete and wanted:
            covered[source_id] = stapeling_periods(rows, reference, first_year)["code"].to_list()
            frames.append(stapeling(rows, wanted, reference, first_year).with_columns(source_id=pl.lit(source_id)))
    del rows


def extra_wanted(entries: list[dict], kind) -> list[dict]:
    """The catalogue entries one extra kind computes (its key as the registry source's law)."""
    return registry_cases_base.wanted([e for e in entries if "registry" in e.get("source", {})], kind)


def stored_postcodes(warehouse: Path) -> bytes | None:
    """The postcode table of the last registry load (kept in the release), if any."""
    release = current_release(warehouse)
    for path in ([release.path / "files" / POSTCODES_FILE] if release else []) + [warehouse / POSTCODES_FILE]:
        if path.exists():
            return path.read_bytes()
    return None


def save_postcodes(warehouse: Path, data: bytes, *, gemeente: str | None = None) -> None:
    """Keep a postcode table beside the warehouse (the demo does, so an uploaded demo extract finds its wijken).
    The table holds every member's postcodes: ``data`` replaces only the rows of the municipalities it holds
    (rows without a gemeente_code are ``gemeente``'s; etl.registry_members.merge_postcodes)."""
    target = warehouse / POSTCODES_FILE
    release = current_release(warehouse)
    home = release.meta.get("gemeente") if release else None
    data = registry_members.merge_postcodes(target.read_bytes() if target.exists() else None, data,
                                            gemeente=gemeente, home=home)
    tmp = warehouse / f".{POSTCODES_FILE}.tmp"
    tmp.write_bytes(data)
    tmp.replace(warehouse / POSTCODES_FILE)


def load_demo(extracts: dict[str, bytes], postcodes: bytes, *, gemeente: str, warehouse: Path,
              catalogue_path: Path | None, reference_date: date, first_year: int) -> LoadReport:
    """The demo's in-memory extracts through the same load as real files."""
    return load([Extract(law, f"demo-{law}.csv", data) for law, data in extracts.items()], postcodes,
                gemeente=gemeente, warehouse=warehouse, catalogue_path=catalogue_path, reference_date=reference_date,
                first_year=first_year, demo=True)


def register(sub, common) -> None:
    p = sub.add_parser("registry", parents=[common],
                       help="load registry extracts (Wmo, jeugd, Participatiewet, schuldhulp; complaints and "
                            "objections; debt-help signals); only counts are kept")
    p.add_argument("file", nargs="?", type=Path, help="one extract (CSV or Excel); use with --law or --kind")
    p.add_argument("--law", choices=LAWS, help="the law of FILE (an extract of provisions)")
    p.add_argument("--kind", choices=tuple(EXTRA_KINDS), help="FILE is not about provisions: cases (complaints, "
                   "objections, appeals, court cases of every law) or signals (debt-help early warning)")
    for law in LAWS:
        p.add_argument(f"--{law}", type=Path, metavar="FILE", help=f"{law} extract (several laws in one run "
                       "also give the stapeling figures)")
    p.add_argument("--cases", type=Path, metavar="FILE", help="complaints, objections, appeals and court cases")
    p.add_argument("--signals", type=Path, metavar="FILE", help="debt-help early-warning signals (vroegsignalering)")
    p.add_argument("--postcodes", type=Path, help="CSV postcode,wijk_code[,buurt_code,wijk_name,buurt_name,"
                   "gemeente_code,gemeente_name] (default: the table of the previous registry load)")
    p.add_argument("--profile", default="standaard", help="column profile: a name in data/profiles or a file")
    p.add_argument("--sheet", help="the sheet to read from an Excel file with several sheets")
    p.add_argument("--gemeente", help="municipality code (default: the one of the current release)")
    p.add_argument("--reference-date", type=date.fromisoformat, default=None,
                   help="date of the extract (default today); later dates are errors, the current period provisional")
    p.add_argument("--from-year", type=int, default=None,
                   help="first year to count (default: the first year in the extract, at most 20 years back)")
    p.add_argument("--max-errors", type=int, default=None, help="refuse the load above this many problems, "
                   "all checks counted together (default 1%% of the rows)")
    p.set_defaults(func=run)


def other_lines(report: LoadReport, law: str) -> list[str]:
    """Rows whose code was not in the code list and was counted as "overig", in Dutch."""
    labels = {"referrer": "verwijzer: geen iJw-verwijzercode", "end_reason": "reden einde: geen bekende code",
              "signal_kind": "soort signaal: geen huur, zorgverzekering, energie of water"}
    return [f"{labels[f]} in {_n(n)} rijen; geteld als 'overig'"
            for f, n in report.other.get(law, {}).items()]


def run(args) -> int:
    files: list[tuple[str, Path]] = []
    if args.file:
        if bool(args.law) == bool(args.kind):
            raise ExtractRefused("Geef bij het bestand --law wmo|jeugd|participatie|schuldhulp of --kind cases|signals "
                                 "(één van beide)")
        files.append((args.law or args.kind, args.file))
    files += [(kind, getattr(args, kind)) for kind in KINDS if getattr(args, kind)]
    if not files:
        raise ExtractRefused("Geen bestand opgegeven: BESTAND --law WET of --kind SOORT, of "
                             "--wmo/--jeugd/--participatie/--schuldhulp/--cases/--signals BESTAND")
    extracts = []
    for law, path in files:
        if not path.exists():
            raise FileNotFoundError(f"Bestand niet gevonden: {path}")
        check_size(path.stat().st_size, str(path))  # before reading a huge file into memory
        extracts.append(Extract(law, path.name, path.read_bytes(), args.profile, args.sheet))
    wh = settings_mod.load(args.warehouse).warehouse
    if args.postcodes:
        if not args.postcodes.exists():
            raise FileNotFoundError(f"Bestand niet gevonden: {args.postcodes}")
        postcodes = args.postcodes.read_bytes()
    elif (postcodes := stored_postcodes(wh)) is None:
        raise ExtractRefused("Geef --postcodes BESTAND: er is geen postcodetabel van een eerdere keer laden")
    try:
        report = load(extracts, postcodes, gemeente=args.gemeente, warehouse=wh,
                      catalogue_path=args.catalogue, reference_date=args.reference_date, max_errors=args.max_errors,
                      first_year=args.from_year)
    except ExtractRefused as exc:
        for row, col, why in exc.problems[:50]:
            print(f"  rij {row}, kolom {col or '-'}: {why}")
        raise
    for law, n in report.rows.items():
        print(f"{law}: {n} rijen gelezen, {report.skipped[law]} overgeslagen ({report.problem_counts[law]} problemen)")
        for row, col, why in report.problems[law][:20]:
            print(f"  rij {row}, kolom {col or '-'}: {why}")
        for line in other_lines(report, law):
            print(f"  {line}")
    print(f"Geteld: {report.observations} cijfers (versie {report.release}). Er zijn geen persoonsgegevens bewaard.")
    return 0
