"""Which cells to ask CBS for, the download, and the reshape into warehouse observations and regions."""

from __future__ import annotations

import hashlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from etl.cbs_meta import TableMeta, match_measure, normalise_region, total_code
from etl.odata import Client, PageCache, Progress, iter_pages, pad_key, parse_json_page
from warehouse import catalogue as catalogue_mod
from warehouse.releases import REGION_RE, WarehouseError

LEVEL_BY_PREFIX = {"NL": "land", "PV": "provincie", "JZ": "jeugdregio", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
FILTER_CHUNK = 40  # region keys per $filter, keeps URLs well under server limits
PROVISIONAL_ATTRS = {"provisional", "voorlopig", "*", "**", "nader voorlopig"}
MISSING_ATTRS = {"missing", "impossible", "confidential", "unknown", "notavailable", "valueisnotavailable", "."}


# ---------------------------------------------------------------------------------------------
# What to load
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Wanted:
    """One catalogue indicator asked from one table."""

    indicator_id: str
    measure: str  # key prefix, e.g. "AantalInwoners"
    filters: tuple[tuple[str, str], ...] = ()
    unit: str = ""  # the unit the catalogue expects CBS to state for the measure
    catalog: str = "cbs"  # cbs (StatLine) or dataderden (third-party catalogue)
    breakdown: Breakdown | None = None


@dataclass(frozen=True)
class Breakdown:
    """A CBS dimension stored as the observations' breakdown, besides the total series."""

    dim: str  # e.g. SoortVoorzieningSociaalDomein
    name: str  # the warehouse breakdown, e.g. "laws"
    categories: tuple[tuple[str, str], ...]  # CBS code or title -> warehouse category


@dataclass
class Scope:
    """Which regions to keep: everything, or the own municipality (and the further ``members`` of a region)
    with its wijken/buurten, NL and peers."""

    gemeente: str | None = None
    peers: tuple[str, ...] = ()
    members: tuple[str, ...] = ()

    @property
    def own(self) -> list[str]:
        return [self.gemeente, *self.members] if self.gemeente else []

    def keep(self, code: str) -> bool:
        if self.gemeente is None:
            return True
        if code in ("NL00", "NL01") or code == self.gemeente or code in self.members or code in self.peers:
            return True
        return code[:2] in ("WK", "BU") and ("GM" + code[2:6] == self.gemeente or "GM" + code[2:6] in self.members)


# ---------------------------------------------------------------------------------------------
# Selection: which measures, regions, periods and categories
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """The codes of the other dimensions that give one indicator's value, with its breakdown and category."""

    indicator_id: str
    codes: dict[str, str]  # dim -> stripped code
    breakdown: str = ""
    category: str = ""


@dataclass
class Selection:
    measure_of: dict[str, str]  # indicator_id -> measure key
    cells: list[Cell]  # which category codes give which observation
    region_raw: list[str] | None  # padded keys to filter on, None = all
    period_raw: list[str] | None
    category_raw: dict[str, list[str]]  # other dim -> raw keys wanted
    skip_reason: str | None = None


def select(meta: TableMeta, wanted: list[Wanted], scope: Scope, years: set[int] | None) -> Selection:
    measure_of: dict[str, str] = {}
    cells: list[Cell] = []
    keys = list(meta.measures)
    titles = meta.measures if meta.protocol == "v4" else None
    for w in wanted:
        key = match_measure(w.measure, keys, titles)
        if key is None:
            print(f"Let op: tabel {meta.table_id} heeft geen onderwerp '{w.measure}' (indicator {w.indicator_id}); "
                  "overgeslagen", file=sys.stderr)
            continue
        check_unit(meta, w, key)
        cond: dict[str, str] = {}
        where = f"Indicator {w.indicator_id}, tabel {meta.table_id}"
        for name, value in w.filters:
            dim = find_dim(meta, name, where, "filter")
            code = category_codes(meta, dim).get(_plain(value))
            if code is None:
                raise WarehouseError(f"{where}: dimensie {dim} heeft geen categorie '{value}' "
                                     f"(wel: {_present(meta, dim)}); pas filter aan in de catalogus")
            cond[dim] = code
        for dim in meta.other_dims:
            if dim not in cond:
                cond[dim] = total_code([c["key"] for c in meta.codes[dim]])
        measure_of[w.indicator_id] = key
        cells.append(Cell(w.indicator_id, cond))
        if w.breakdown:
            cells += breakdown_cells(meta, w, cond)

    sel = Selection(measure_of, cells, None, None, {})
    if not measure_of:
        sel.skip_reason = "geen van de gevraagde onderwerpen staat in deze tabel"
        return sel
    width = {dim: max((len(c["raw"]) for c in codes), default=0) for dim, codes in meta.codes.items()}
    if meta.geo_dim and scope.gemeente:
        # Filter on the padded key exactly as CBS holds it; a key of the wrong width matches nothing.
        sel.region_raw = [pad_key(c["key"], width[meta.geo_dim]) if meta.protocol == "v3" else c["key"]
                          for c in meta.codes[meta.geo_dim] if scope.keep(normalise_region(c["key"]))]
        if not sel.region_raw:
            sel.skip_reason = f"gemeente {scope.gemeente} komt niet voor in deze tabel"
    if years is not None:
        if meta.time_dim:
            sel.period_raw = [c["raw"] for c in meta.codes[meta.time_dim] if c["key"][:4].isdigit()
                              and int(c["key"][:4]) in years]
            if not sel.period_raw:
                sel.skip_reason = f"geen perioden in {sorted(years)}"
        elif meta.year is not None and meta.year not in years:
            sel.skip_reason = f"tabeljaar {meta.year} valt buiten --years"
    for dim in meta.other_dims:
        wanted_codes = {cell.codes[dim] for cell in cells}
        sel.category_raw[dim] = [c["raw"] for c in meta.codes[dim] if c["key"] in wanted_codes]
    return sel


def _plain(text: str) -> str:
    """A category as a person may write it: "Jeugd, P-wet en Wmo" matches "jeugd p-wet en wmo"."""
    return " ".join(re.findall(r"[a-z0-9-]+", text.lower()))


def find_dim(meta: TableMeta, name: str, where: str, field: str) -> str:
    """The key of the dimension the catalogue names by key or by title ("Vormen van jeugdzorg"):
    CBS keeps a dimension's title across yearly tables more often than its key."""
    for dim in meta.other_dims:
        if _plain(name) in (_plain(dim), _plain(meta.dim_titles.get(dim, ""))):
            return dim
    present = ", ".join(f"{d} ({meta.dim_titles[d]})" if meta.dim_titles.get(d) else d for d in meta.other_dims)
    purpose = "de uitsplitsing" if field == "breakdown" else "het filter"
    raise WarehouseError(f"{where}: geen dimensie '{name}' voor {purpose} (wel: {present or 'geen'}); "
                         f"pas {field} aan in de catalogus")


def category_codes(meta: TableMeta, dim: str) -> dict[str, str]:
    """A category as the catalogue may name it (CBS code or title, see _plain) -> its code."""
    lookup = {}
    for c in meta.codes[dim]:
        lookup[_plain(c["key"])] = lookup[_plain(c["title"])] = c["key"]
    return lookup


def _present(meta: TableMeta, dim: str) -> str:
    return ", ".join(f"{c['key']} ({c['title']})" for c in meta.codes[dim])


def breakdown_cells(meta: TableMeta, w: Wanted, total: dict[str, str]) -> list[Cell]:
    """One cell per catalogue category of the breakdown dimension (the others stay at their total).

    A category is named by its CBS code or title, so a table that renumbers the codes still matches;
    one the table lacks is an error, a table category the catalogue does not name is reported."""
    b = w.breakdown
    where = f"Indicator {w.indicator_id}, tabel {meta.table_id}"
    dim = find_dim(meta, b.dim, where, "breakdown")
    if dim in {find_dim(meta, name, where, "filter") for name, _ in w.filters}:
        raise WarehouseError(f"{where}: dimensie '{b.dim}' staat zowel in filter als in breakdown; kies één")
    lookup = category_codes(meta, dim)
    missing = [name for name, _ in b.categories if _plain(name) not in lookup]
    if missing:
        raise WarehouseError(f"{where}: dimensie {dim} heeft geen categorie {', '.join(missing)} "
                             f"(wel: {_present(meta, dim)}). Er is niets geladen. "
                             "Pas breakdown.categories aan in de catalogus.")
    codes = {lookup[_plain(name)]: category for name, category in b.categories}
    left = [c["title"] or c["key"] for c in meta.codes[dim] if c["key"] not in codes and c["key"] != total[dim]]
    if left:
        print(f"Let op: {where}: categorie {', '.join(left)} van {dim} staat niet in de catalogus; "
              "alleen het totaal en de genoemde categorieën zijn geladen", file=sys.stderr)
    return [Cell(w.indicator_id, total | {dim: code}, b.name, category) for code, category in codes.items()]


def check_unit(meta: TableMeta, w: Wanted, key: str) -> None:
    """Refuse a measure whose CBS unit is not the catalogue's: a count stored as a rate is a wrong figure."""
    published = meta.units.get(key, "")
    if not published.strip():
        print(f"Let op: tabel {meta.table_id} noemt geen eenheid voor onderwerp {key} (indicator {w.indicator_id}); "
              f"de catalogus verwacht '{w.unit}'", file=sys.stderr)
        return
    if catalogue_mod.norm_unit(published) != catalogue_mod.norm_unit(w.unit):
        raise WarehouseError(
            f"CBS-tabel {meta.table_id}, onderwerp {key}: CBS publiceert dit in eenheid '{published.strip()}', "
            f"maar de catalogus verwacht '{w.unit}' (indicator {w.indicator_id}). Er is niets geladen. "
            "Pas de eenheid in de catalogus aan, of neem het aantal over en reken het om met 'derive'.")


def _or(dim: str, values: list[str]) -> str:
    return "(" + " or ".join(f"{dim} eq '{v}'" for v in values) + ")"


def filters_for(meta: TableMeta, sel: Selection, measure_dim: str | None) -> list[str | None]:
    """One $filter per chunk of region keys (None = no filter at all)."""
    parts: list[str] = []
    if measure_dim:
        parts.append(_or(measure_dim, sorted(set(sel.measure_of.values()))))
    if sel.period_raw is not None and meta.time_dim:
        parts.append(_or(meta.time_dim, sel.period_raw))
    for dim, raw in sel.category_raw.items():
        parts.append(_or(dim, raw))
    if sel.region_raw is None or not meta.geo_dim:
        return [" and ".join(parts) or None]
    out = []
    for i in range(0, len(sel.region_raw), FILTER_CHUNK):
        chunk = sel.region_raw[i:i + FILTER_CHUNK]
        out.append(" and ".join(parts + [_or(meta.geo_dim, chunk)]))
    return out


# ---------------------------------------------------------------------------------------------
# Download and shape
# ---------------------------------------------------------------------------------------------
def _frame(rows: list[dict], str_cols: list[str], num_cols: list[str]) -> pl.DataFrame:
    """Rows to columns in Polars; numbers as Float64, keys as strings (the slow, forgiving path)."""
    data = {c: pl.Series(c, [r.get(c) for r in rows], dtype=pl.String) for c in str_cols}
    for c in num_cols:
        data[c] = pl.Series(c, [r.get(c) for r in rows], dtype=pl.Float64, strict=False)
    return pl.DataFrame(data)


def page_parser(str_cols: list[str], num_cols: list[str], link_field: str):
    """Parse a page straight into Polars (Rust JSON reader, no Python dict per row); fall back to json."""
    schema = {"value": pl.List(pl.Struct(dict.fromkeys(str_cols, pl.String) | dict.fromkeys(num_cols, pl.Float64))),
              link_field: pl.String}

    def parse(body: bytes) -> tuple[pl.DataFrame, int, str | None]:
        try:
            page = pl.read_json(io.BytesIO(body), schema=schema)
            df = page.select(pl.col("value").explode()).unnest("value").drop_nulls(str_cols[:1])
            link = page[link_field][0]
        except (pl.exceptions.PolarsError, ValueError):
            # Odd cells (a number sent as text, a "." in an untyped set): the forgiving path.
            rows, _, link = parse_json_page(body)
            df = _frame(rows, str_cols, num_cols)
        # Keys arrive space padded ('GM0363    '); strip once, on the wide frame.
        return df.with_columns(pl.col(c).str.strip_chars() for c in str_cols), df.height, link

    return parse


def download(client: Client, meta: TableMeta, sel: Selection, cache_root: Path, progress: Progress
             ) -> tuple[pl.DataFrame, str]:
    """The long frame [geo, time?, other dims..., Measure, Value, Attr] and a checksum of the pages."""
    digest = hashlib.sha256()
    frames: list[pl.DataFrame] = []
    dims = [d for d in (meta.geo_dim, meta.time_dim) if d] + meta.other_dims
    measure_keys = sorted(set(sel.measure_of.values()))
    if meta.protocol == "v3":
        url = f"{meta.url}TypedDataSet"
        base_params = {"$format": "json", "$select": ",".join(dims + measure_keys)}
        filters = filters_for(meta, sel, None)
        parse = page_parser(dims, measure_keys, "odata.nextLink")
    else:
        url = f"{meta.url}Observations"
        base_params = {}
        filters = filters_for(meta, sel, "Measure")
        parse = page_parser(dims + ["Measure", "ValueAttribute"], ["Value"], "@odata.nextLink")
    for flt in filters:
        params = dict(base_params)
        if flt:
            params["$filter"] = flt
        cache = PageCache(cache_root, repr((url, sorted(params.items()), meta.modified)))
        for body, page in iter_pages(client, url, params, f"CBS-tabel {meta.table_id}", cache, progress, parse,
                                     read_ahead=True):
            digest.update(body)
            if not page.height:
                continue
            if meta.protocol == "v3":
                frames.append(page.unpivot(on=measure_keys, index=dims, variable_name="Measure", value_name="Value")
                              .with_columns(pl.lit(None, dtype=pl.String).alias("Attr")))
            else:
                frames.append(page.rename({"ValueAttribute": "Attr"}).select(dims + ["Measure", "Value", "Attr"]))
    if not frames:
        schema = dict.fromkeys(dims, pl.String) | {"Measure": pl.String, "Value": pl.Float64, "Attr": pl.String}
        return pl.DataFrame(schema=schema), digest.hexdigest()
    return pl.concat(frames), digest.hexdigest()


def shape(meta: TableMeta, sel: Selection, long: pl.DataFrame, scope: Scope) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Long CBS rows -> warehouse observations and regions."""
    source_id = f"cbs:{meta.table_id}"
    # One join maps (measure, category codes) to indicators; a measure may feed several indicators.
    mapping = pl.DataFrame([{"indicator_id": cell.indicator_id, "Measure": sel.measure_of[cell.indicator_id],
                             "breakdown": cell.breakdown, "category": cell.category, **cell.codes}
                            for cell in sel.cells],
                           schema={"indicator_id": pl.String, "Measure": pl.String, "breakdown": pl.String,
                                   "category": pl.String} | dict.fromkeys(meta.other_dims, pl.String))
    obs = long.join(mapping, on=["Measure", *meta.other_dims], how="inner")

    if meta.geo_dim:
        region = pl.col(meta.geo_dim).replace("NL00", "NL01")
    else:
        region = pl.lit("NL01")
    if meta.time_dim:
        period = pl.col(meta.time_dim)
        prov_periods = [c["key"] for c in meta.codes[meta.time_dim]
                        if "*" in c["title"] or str(c.get("status") or "").strip().lower() == "voorlopig"]
    else:
        if meta.year is None:
            raise WarehouseError(f"CBS-tabel {meta.table_id}: geen periodedimensie en geen jaar in de titel; "
                                 "kan de periode niet bepalen")
        period = pl.lit(f"{meta.year}JJ00")
        prov_periods = []
    # Cell attributes (v4 ValueAttribute) take a handful of values: classify those, not every row.
    attrs = [a for a in long["Attr"].unique().to_list() if a is not None]
    value_missing = pl.col("Value").is_null()
    provisional = pl.col("period").is_in(prov_periods)
    if missing := [a for a in attrs if a.strip().lower() in MISSING_ATTRS]:
        value_missing = value_missing | pl.col("Attr").is_in(missing).fill_null(False)
    if marked := [a for a in attrs if a.strip().lower() in PROVISIONAL_ATTRS]:
        provisional = provisional | pl.col("Attr").is_in(marked).fill_null(False)
    status = (pl.when(value_missing).then(pl.lit("suppressed"))
              .when(provisional).then(pl.lit("provisional"))
              .otherwise(pl.lit("final")))
    obs = (obs.with_columns(region.alias("region_code"), period.alias("period"))
           .with_columns(status.alias("status"),
                         pl.when(value_missing).then(None).otherwise(pl.col("Value")).alias("value"))
           .select("indicator_id", "region_code", "period",
                   "breakdown", "category", "value",
                   pl.lit(None, dtype=pl.Float64).alias("denominator"), "status",
                   pl.lit(source_id).alias("source_id")))
    # Keep the regions the monitor knows (NL, provincie, jeugdregio, gemeente, wijk, buurt) and the scope.
    codes = obs.select(pl.col("region_code").unique())
    code = pl.col("region_code")
    level = (pl.when(code.str.contains(REGION_RE.pattern))
             .then(code.str.slice(0, 2).replace_strict(LEVEL_BY_PREFIX, default=None, return_dtype=pl.String)))
    in_scope = pl.lit(True)
    if scope.gemeente:
        in_scope = (code.is_in(["NL00", "NL01", *scope.own, *scope.peers])
                    | (code.str.slice(0, 2).is_in(["WK", "BU"]) & (pl.lit("GM") + code.str.slice(2, 4)).is_in(scope.own)))
    geo_codes = meta.codes.get(meta.geo_dim or "", [])
    titles = (pl.DataFrame({"region_code": [c["key"] for c in geo_codes], "title": [c["title"] for c in geo_codes]},
                           schema={"region_code": pl.String, "title": pl.String})
              .with_columns(pl.col("region_code").replace("NL00", "NL01")).unique("region_code"))
    gm = pl.when(pl.col("level") == "gemeente").then(code).when(pl.col("level").is_in(["wijk", "buurt"])) \
        .then(pl.lit("GM") + code.str.slice(2, 4))
    regions = (codes.with_columns(level.alias("level")).filter(pl.col("level").is_not_null() & in_scope)
               .join(titles, on="region_code", how="left")
               .with_columns(gm.alias("gemeente_code"))
               .select("region_code",
                       pl.coalesce(pl.col("title").replace("", None),
                                   pl.when(pl.col("level") == "land").then(pl.lit("Nederland")), code).alias("name"),
                       "level",
                       pl.when(pl.col("level") == "buurt").then(pl.lit("WK") + code.str.slice(2, 6))
                       .when(pl.col("level") == "wijk").then(pl.col("gemeente_code")).alias("parent_code"),
                       "gemeente_code",
                       pl.lit(meta.map_year, dtype=pl.Int32).alias("boundary_year"))
               .sort("region_code"))
    obs = obs.join(regions.select("region_code"), on="region_code", how="semi")
    # A measure that is empty for every region is not published yet (e.g. income in a new
    # Kerncijfers table): skip it instead of storing thousands of "suppressed" cells.
    empty = obs.group_by("indicator_id").agg(pl.col("value").is_not_null().any().alias("any")).filter(~pl.col("any"))
    for ind in empty["indicator_id"].to_list():
        print(f"Let op: tabel {meta.table_id} heeft nog geen cijfers voor {ind}; overgeslagen.", file=sys.stderr)
    obs = obs.join(empty.select("indicator_id"), on="indicator_id", how="anti")
    return obs, regions
