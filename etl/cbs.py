"""``python -m etl cbs``: load CBS StatLine tables (OData v3 or v4) into the warehouse, driven by the catalogue.

Every catalogue entry with ``source.cbs = {tables=[...], measure="<key prefix>", filter={Dim="code"}}``
asks for one measure from each of those tables. Measure keys are ``Prefix_<n>`` in v3 and the number
shifts between yearly tables, so they are matched by prefix. Other dimensions are taken at their total;
``breakdown = {dim, name, categories}`` adds one dimension's categories as breakdown rows. Periods keep
their CBS code, so a half year stays ``2023HJ01`` and is never read as the year. The run:

1. looks every table id up first (v3 ``TableInfos``, else v4 ``Properties``; ``catalog = "dataderden"``
   in the catalogue reads the CBS third-party catalogue instead): unknown ids are named in one message;
   then reads each table's metadata (v3 ``DataProperties``/dimension collections, or v4
   ``Dimensions``/``MeasureCodes``/``<Dim>Codes``) and refuses a measure whose unit is not the
   catalogue's ``unit``;
2. skips a table whose ``Modified`` equals the release in the current warehouse (incremental refresh);
3. downloads only the needed measures and regions (v3 bulk ``ODataFeed`` with ``$select``/``$filter``,
   v4 ``Observations``), page by page into a resumable cache under ``<warehouse>/.download``;
4. publishes every table in ONE atomic release, and only when all tables are complete; rates derived
   from the counts (``domain.derive``) are computed in that publication.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from etl.cbs_meta import (
    TableMeta,
    match_measure,
    read_codes_v3,
    read_codes_v4,
    read_meta_v3,
    read_meta_v4,
    read_stamp_v3,
    read_stamp_v4,
)
from etl.cbs_shape import Breakdown, Scope, Wanted, download, select, shape
from etl.odata import DEFAULT_V3_BASE, DEFAULT_V4_BASE, Client, NotFound, Progress
from etl.regio import check_members, parse_region, release_meta
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release, members_of

# The CBS third-party catalogue (Iv3 finance, RIVM health monitor): same OData v3 layout, other host.
DEFAULT_DATADERDEN_BASE = "https://dataderden.cbs.nl"


# ---------------------------------------------------------------------------------------------
# What to load
# ---------------------------------------------------------------------------------------------
def plan(cat: catalogue_mod.Catalogue, tables: list[str] | None) -> dict[str, list[Wanted]]:
    """Table id -> indicators to take from it, from the catalogue (optionally only some tables)."""
    out: dict[str, list[Wanted]] = {}
    for entry in cat.by_source("cbs"):
        src = entry["source"]["cbs"]
        where = f"catalogus {cat.path}, indicator '{entry['id']}'"
        if not isinstance(src, dict) or not src.get("tables") or not src.get("measure"):
            raise WarehouseError(f"{where}: source.cbs heeft 'tables' en 'measure' nodig")
        filters = tuple(sorted((str(k), str(v)) for k, v in (src.get("filter") or {}).items()))
        breakdown = parse_breakdown(src.get("breakdown"), where)
        catalog = str(src.get("catalog", "cbs"))
        for table in src["tables"]:
            others = {w.catalog for w in out.get(str(table), [])} - {catalog}
            if others:
                raise WarehouseError(f"{where}: tabel {table} staat bij een andere indicator in catalogus "
                                     f"'{others.pop()}', hier in '{catalog}'; een tabel woont in één catalogus")
            out.setdefault(str(table), []).append(
                Wanted(entry["id"], str(src["measure"]), filters, str(src.get("unit", "")), catalog, breakdown))
    if tables:
        unknown = [t for t in tables if t not in out]
        if unknown:
            raise WarehouseError(
                f"Tabel(len) {', '.join(unknown)} staan niet in de catalogus ({cat.path}); "
                "voeg eerst een indicator met source.cbs toe"
            )
        out = {t: out[t] for t in tables}
    return out


def parse_breakdown(spec: object, where: str) -> Breakdown | None:
    """``breakdown = { dim = "...", name = "...", categories = { "<CBS code or title>" = "<category>" } }``."""
    if spec is None:
        return None
    cats = spec.get("categories") if isinstance(spec, dict) else None
    if (not isinstance(cats, dict) or not cats or not spec.get("dim") or not spec.get("name")
            or not all(isinstance(v, str) and v for v in cats.values())):
        raise WarehouseError(f"{where}: source.cbs.breakdown heeft 'dim', 'name' en 'categories' nodig, "
                             'bijvoorbeeld { dim = "SoortVoorzieningSociaalDomein", name = "laws", '
                             'categories = { "Alleen Wmo" = "wmo" } }')
    return Breakdown(str(spec["dim"]), str(spec["name"]), tuple((str(k), v) for k, v in cats.items()))


def parse_years(text: str | None) -> set[int] | None:
    if not text:
        return None
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise WarehouseError(f"--years: '{part}' is geen jaar of reeks (voorbeeld: 2020,2022-2024)")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        years.update(range(lo, hi + 1))
    return years


def parse_codes(text: str | None, prefix: str, option: str) -> tuple[str, ...]:
    if not text:
        return ()
    codes = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    bad = [c for c in codes if not re.fullmatch(rf"{prefix}\d{{4}}", c)]
    if bad:
        raise WarehouseError(f"{option}: {', '.join(bad)} is geen gemeentecode (voorbeeld: GM0995)")
    return codes


@dataclass
class TableResult:
    meta: TableMeta
    observations: pl.DataFrame
    regions: pl.DataFrame
    checksum: str


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
@dataclass
class Options:
    warehouse: Path
    catalogue: Path | None = None
    gemeente: str | None = None
    peers: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # further own municipalities: a region of ``gemeente`` and these
    region: dict | None = None  # {"code", "name"} of that region (its totals are made at publication)
    peers_by_member: dict | None = None  # peers chosen per member (meta ``peers`` as a dict), kept as they are
    tables: list[str] | None = None
    years: set[int] | None = None
    base_url: str = DEFAULT_V3_BASE
    v4_base_url: str = DEFAULT_V4_BASE
    dataderden_base_url: str = DEFAULT_DATADERDEN_BASE
    protocol: str = "auto"
    force: bool = False


@dataclass
class RunReport:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    observations: int = 0
    requests: int = 0
    release: str | None = None
    fetch_seconds: float = 0.0  # metadata + download + reshape
    publish_seconds: float = 0.0


class UnknownTable(WarehouseError):
    """A table id the CBS catalogue does not know."""


def v3_base(opts: Options, catalog: str) -> str:
    return opts.dataderden_base_url if catalog == "dataderden" else opts.base_url


def read_stamp(client: Client, opts: Options, table: str, catalog: str = "cbs") -> tuple[str, dict]:
    """(protocol, TableInfos/Properties); v3 first, v4 when the table is not (or no longer) in v3.

    The third-party catalogue (dataderden) only speaks v3."""
    if catalog == "dataderden":
        try:
            return "v3", read_stamp_v3(client, opts.dataderden_base_url, table)
        except NotFound:
            raise UnknownTable(f"{table} (catalogus dataderden, {opts.dataderden_base_url})") from None
    if opts.protocol in ("auto", "v3"):
        try:
            return "v3", read_stamp_v3(client, opts.base_url, table)
        except NotFound:
            if opts.protocol == "v3":
                raise UnknownTable(f"{table} (OData v3 op {opts.base_url})") from None
    try:
        return "v4", read_stamp_v4(client, opts.v4_base_url, table)
    except NotFound:
        raise UnknownTable(f"{table} (niet op {opts.base_url} en niet op {opts.v4_base_url})") from None


def read_stamps(client: Client, opts: Options, todo: dict[str, list[Wanted]], cat_path: Path
                ) -> dict[str, tuple[str, dict]]:
    """Every table's stamp, before anything is downloaded: one message names every unknown id."""
    stamps, unknown = {}, []
    for table, wanted in todo.items():
        try:
            stamps[table] = read_stamp(client, opts, table, wanted[0].catalog)
        except UnknownTable as exc:
            unknown.append(f"{exc} voor {', '.join(sorted({w.indicator_id for w in wanted}))}")
    if unknown:
        raise WarehouseError(
            f"Deze tabelnummers kent CBS niet: {'; '.join(unknown)}. Er is niets geladen. Controleer de "
            f"tabelnummers in de catalogus ({cat_path}) tegen de CBS-catalogus; een oude tabel kan vervangen zijn.")
    return stamps


def run_load(opts: Options, client: Client | None = None) -> RunReport:
    cat = catalogue_mod.load(opts.catalogue)
    todo = plan(cat, opts.tables)
    warehouse = Path(opts.warehouse)
    check_members(warehouse, opts)
    cbs_region = (opts.region or {}).get("code", "RG")[:2] != "RG"  # a JZ code: CBS may publish its figures
    scope = Scope(opts.gemeente, opts.peers + ((opts.region["code"],) if cbs_region else ()), opts.members)
    own_client = client is None
    client = client or Client()
    report = RunReport()
    cache_root = warehouse / ".download" / "cbs"

    prev = current_release(warehouse)
    prev_release: dict[str, str] = {}
    prev_ids: dict[str, set[tuple[str, str]]] = {}  # source -> (indicator, breakdown) already loaded
    if prev is not None:
        src = prev.table("sources")
        prev_release = dict(zip(src["source_id"].to_list(), src["release"].to_list(), strict=True))
        have = prev.table("observations").select("source_id", "indicator_id", "breakdown").unique()
        for sid, ind, breakdown in have.iter_rows():
            prev_ids.setdefault(sid, set()).add((ind, breakdown))

    # A member added (or removed) since the last load: every table is read again for the new set.
    before = members_of(prev.meta) if prev is not None else []
    new_scope = (len(before) > 1 or len(scope.own) > 1) and set(before) != set(scope.own)
    results: list[TableResult] = []
    t0 = time.perf_counter()
    side_client = client.fork()
    side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cbs-codes")
    try:
        stamps = read_stamps(client, opts, todo, cat.path)
        for table, wanted in todo.items():
            protocol, stamp = stamps[table]
            catalog = wanted[0].catalog
            modified = str(stamp.get("Modified") or "")
            sid = f"cbs:{table}"
            meta = (read_meta_v3(client, v3_base(opts, catalog), table, stamp) if protocol == "v3"
                    else read_meta_v4(client, opts.v4_base_url, table, stamp))
            # Unchanged = same CBS release and every indicator (and breakdown) this table can give is
            # already loaded (a catalogue entry or breakdown added since the last run still triggers a load).
            titles = meta.measures if meta.protocol == "v4" else None
            available = {(w.indicator_id, b) for w in wanted if match_measure(w.measure, list(meta.measures), titles)
                         for b in ("", *([w.breakdown.name] if w.breakdown else []))}
            if (not opts.force and not new_scope and modified and prev_release.get(sid) == modified
                    and available <= prev_ids.get(sid, set())):
                report.unchanged.append(table)
                print(f"{table}: ongewijzigd sinds {modified}, niet opnieuw geladen", file=sys.stderr)
                continue
            base_url = v3_base(opts, catalog) if meta.protocol == "v3" else opts.v4_base_url
            read_codes = read_codes_v3 if meta.protocol == "v3" else read_codes_v4
            dims = [d for d in (meta.geo_dim, meta.time_dim) if d] + meta.other_dims
            # Without a municipality the region list (17,000 codes in Kerncijfers) only gives names:
            # fetch it while the figures download instead of before.
            later = [meta.geo_dim] if meta.geo_dim and not scope.gemeente else []
            meta.codes.update(read_codes(client, base_url, meta, [d for d in dims if d not in later]))
            sel = select(meta, wanted, scope, opts.years)
            if sel.skip_reason:
                report.skipped[table] = sel.skip_reason
                print(f"{table}: overgeslagen, {sel.skip_reason}", file=sys.stderr)
                continue
            region_codes = side.submit(read_codes, side_client, base_url, meta, later) if later else None
            total = meta.record_count if sel.region_raw is None and meta.protocol == "v3" else None
            progress = Progress(f"{table} ({meta.protocol})", total)
            long, checksum = download(client, meta, sel, cache_root, progress)
            if region_codes is not None:
                meta.codes.update(region_codes.result())
            obs, regions = shape(meta, sel, long, scope)
            progress.done(obs.height, f" -> {obs.height} cijfers")
            results.append(TableResult(meta, obs, regions, checksum))
    finally:
        side_client.cancel()  # after a failure the region list is not retried; it was read already otherwise
        side.shutdown(wait=True)  # no thread outlives the run
        report.requests = client.requests_made + side_client.requests_made
        side_client.close()
        if own_client:
            client.close()

    report.fetch_seconds = time.perf_counter() - t0
    if not results:
        return report
    t1 = time.perf_counter()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    observations = pl.concat([r.observations for r in results])
    regions = (pl.concat([r.regions for r in results])
               .sort("boundary_year", nulls_last=False)
               .unique("region_code", keep="last", maintain_order=True))
    sources = pl.DataFrame([{
        "source_id": f"cbs:{r.meta.table_id}", "kind": "cbs", "title": r.meta.title, "table_id": r.meta.table_id,
        "url": r.meta.url, "release": r.meta.modified, "loaded_at": now, "checksum": r.checksum,
        "rows": r.observations.height,
    } for r in results])
    meta = release_meta(opts, regions) if scope.gemeente else None  # the app reads its members and peers here
    release = publish(warehouse, indicators=cat.to_frame(), observations=observations,
                      replace_sources=[f"cbs:{r.meta.table_id}" for r in results], regions=regions, sources=sources,
                      meta=meta)
    # Pages are only kept to resume an interrupted run; after a publication they are stale.
    shutil.rmtree(cache_root, ignore_errors=True)
    report.loaded = [r.meta.table_id for r in results]
    report.observations = observations.height
    report.release = release.id
    report.publish_seconds = time.perf_counter() - t1
    return report


def register(sub, common) -> None:
    p = sub.add_parser("cbs", parents=[common], help="laad CBS StatLine-tabellen (OData v3/v4) volgens de catalogus")
    p.add_argument("--gemeente", help="gemeentecode, bijv. GM0995: die gemeente met wijken en buurten, plus NL; "
                                      "meer gemeenten komma-gescheiden (GM0226,GM0221,GM0293): de eerste is de thuisgemeente")
    p.add_argument("--regio-naam", help="naam van de regio die de gemeenten samen vormen (regiototaal wordt berekend)")
    p.add_argument("--regio-code", help="CBS-code van de jeugdregio (JZ13) of een eigen code (standaard RG0001)")
    p.add_argument("--peers", help="vergelijkbare gemeenten, komma-gescheiden (GM0034,GM0363)")
    p.add_argument("--tables", help="alleen deze tabellen, komma-gescheiden (bijv. 84799NED)")
    p.add_argument("--years", help="alleen deze jaren, bijv. 2020,2022-2024")
    p.add_argument("--base-url", default=None,
                   help=f"CBS OData v3 (default {DEFAULT_V3_BASE} of $MSD_CBS_BASE_URL)")
    p.add_argument("--v4-base-url", default=None,
                   help=f"CBS OData v4 (default {DEFAULT_V4_BASE} of $MSD_CBS_V4_BASE_URL)")
    p.add_argument("--dataderden-base-url", default=None,
                   help=f"CBS-catalogus dataderden (default {DEFAULT_DATADERDEN_BASE} of $MSD_CBS_DATADERDEN_BASE_URL)")
    p.add_argument("--protocol", choices=("auto", "v3", "v4"), default="auto",
                   help="auto: eerst v3, anders v4")
    p.add_argument("--force", action="store_true",
                   help="ook tabellen laden die sinds de vorige keer niet zijn veranderd")
    p.set_defaults(func=run)


def run(args) -> int:
    gemeente = parse_codes(args.gemeente, "GM", "--gemeente")
    opts = Options(
        warehouse=settings.load(args.warehouse).warehouse,
        catalogue=args.catalogue,
        gemeente=gemeente[0] if gemeente else None,
        members=tuple(gemeente[1:]),
        region=parse_region(args.regio_naam, args.regio_code),
        peers=parse_codes(args.peers, "GM", "--peers"),
        tables=[t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else None,
        years=parse_years(args.years),
        base_url=(args.base_url or settings.text("MSD_CBS_BASE_URL")).rstrip("/"),
        v4_base_url=(args.v4_base_url or settings.text("MSD_CBS_V4_BASE_URL")).rstrip("/"),
        dataderden_base_url=(args.dataderden_base_url or settings.text("MSD_CBS_DATADERDEN_BASE_URL")).rstrip("/"),
        protocol=args.protocol,
        force=args.force,
    )
    if len(set(gemeente)) < len(gemeente):
        raise WarehouseError(f"--gemeente: een gemeente staat er twee keer in ({args.gemeente})")
    rep = run_load(opts)
    done = f"CBS geladen: {', '.join(rep.loaded)} ({rep.observations} cijfers) in release {rep.release}"
    print_outcome(done if rep.release else None, rep.unchanged, rep.skipped)
    return 0


def print_outcome(loaded: str | None, unchanged: list[str], skipped: dict[str, str]) -> None:
    """What a CBS load did, for the operator: ``loaded`` says what came in (or nothing new did), then
    the tables that had not changed and those skipped, with why (`cbs` and `refresh` both end with it)."""
    print(loaded or "Niets nieuws bij CBS: het warehouse is niet veranderd.")
    if unchanged:
        print(f"Ongewijzigd: {', '.join(unchanged)}")
    for table, why in skipped.items():
        print(f"Overgeslagen: {table} ({why})")
