"""Complaints, objections, appeals and court cases per law (klachten, bezwaar, beroep, rechtszaken).

An extract lists cases: case id, date received, date decided, law, product, kind and outcome, and
optionally the postcode or wijk. No person data is needed; a client id in the file is not mapped by the
profile and is dropped unread. Counted per year, for the municipality and (counts only) its wijken:

- complaints and objections received, objections by outcome, court cases (beroep, hoger beroep) by kind;
- the share of objections decided on (gegrond, deels gegrond, ongegrond, niet-ontvankelijk) that was upheld;
- the median days from receipt to decision of objections, and the share decided later than the legal term
  including its extension (settings ``MSD_TERM_OBJECTION_DAYS`` and ``MSD_TERM_OBJECTION_EXTENSION_DAYS``);
- the running backlog: objections still open at the end of the year (or on the export date) whose term
  and extension had passed by then, counted whatever their later outcome.

Complaints per 1.000 clients are derived at publication from the complaints and the law's registry clients
(catalogue ``derive``), so they exist wherever both are loaded.
"""

from __future__ import annotations

from datetime import date

import polars as pl

import settings as settings_mod
from domain.laws import PRODUCTS
from etl import registry_cases_base as base
from etl.registry_read import Checked, Extract, ReaderLimits, run_checks
from warehouse.releases import WarehouseError

FIELDS = ("case_id", "received_date", "decision_date", "law", "product_code", "kind", "outcome", "postcode",
          "wijk_code")
KIND = base.Kind("cases", FIELDS, ("case_id", "received_date", "law", "kind", "outcome"),
                 "klachten, bezwaren en beroepen")
CASE_LAWS = ("wmo", "jeugd", "participatie", "schuldhulp")
CASE_KINDS = ("klacht", "bezwaar", "beroep", "hoger_beroep")
COURT_KINDS = ("beroep", "hoger_beroep")
OUTCOMES = ("gegrond", "ongegrond", "deels_gegrond", "niet_ontvankelijk", "ingetrokken", "lopend")
UPHELD = ("gegrond", "deels_gegrond")
# The base of the upheld share: objections the municipality ruled on (withdrawn and running ones are not).
RULED = ("gegrond", "deels_gegrond", "ongegrond", "niet_ontvankelijk")
# Algemene wet bestuursrecht art. 7:10: the decision on an objection within six weeks (lid 1; twelve when an
# advisory committee hears it), which may be postponed by six weeks more (lid 3): settings MSD_TERM_OBJECTION_DAYS
# and MSD_TERM_OBJECTION_EXTENSION_DAYS (settings.LegalTerms). The law counts from the end of the objection
# term; the extract has the date received, so the monitor counts from there (a little stricter).
# The law as systems write it, to the monitor's code.
LAW_ALIASES = {"wmo_2015": "wmo", "jeugdwet": "jeugd", "participatiewet": "participatie", "wgs": "schuldhulp",
               "schuldhulpverlening": "schuldhulp"}


def check(ex: Extract, postcodes: pl.DataFrame, reference: date, known_wijken: set[str],
          limits: ReaderLimits | None = None) -> tuple[int, Checked]:
    """(rows read, the checked rows). Problems name row and column, never a value."""
    section = base.load_section(ex.profile, KIND)
    df = base.read(ex, section, KIND, limits)
    fmt = section["date_format"]
    law = base.lower_code("law")
    df = df.with_columns(
        received=base.parse_date("received_date", fmt), decided=base.parse_date("decision_date", fmt),
        law=law.replace(LAW_ALIASES), kind=base.lower_code("kind"), outcome=base.lower_code("outcome"),
        _dup=~pl.struct("case_id", base.lower_code("kind")).is_first_distinct() & pl.col("case_id").is_not_null())
    # An empty outcome without a decision date is a case still running.
    df = df.with_columns(outcome=pl.when(pl.col("outcome").is_null() & pl.col("decided").is_null())
                         .then(pl.lit("lopend")).otherwise(pl.col("outcome")))
    df = base.with_wijk(df, postcodes)
    p = pl.col("product_code")
    numbered = pl.when(p.str.contains(r"^\d$")).then(pl.lit("0") + p).otherwise(p).str.slice(0, 2)
    product_ok = pl.any_horizontal([(pl.col("law") == lw) & (numbered if lw in ("wmo", "jeugd") else p.str.to_lowercase())
                                    .is_in(sorted(PRODUCTS[lw])) for lw in CASE_LAWS])
    checks: list[tuple[str, pl.Expr, str]] = [
        ("case_id", pl.col("case_id").is_null(), "zaaknummer is leeg"),
        ("received_date", pl.col("received_date").is_null(), "datum van ontvangst is leeg"),
        ("law", ~pl.col("law").is_in(CASE_LAWS) | pl.col("law").is_null(),
         f"onbekende wet (toegestaan: {', '.join(CASE_LAWS)})"),
        ("product_code", p.is_not_null() & pl.col("law").is_in(CASE_LAWS) & ~product_ok,
         "onbekende productcode voor de wet van deze zaak"),
        ("kind", ~pl.col("kind").is_in(CASE_KINDS) | pl.col("kind").is_null(),
         f"onbekende soort zaak (toegestaan: {', '.join(CASE_KINDS)})"),
        ("outcome", pl.col("outcome").is_null(), "uitkomst is leeg, maar er is een besluitdatum"),
        ("outcome", pl.col("outcome").is_not_null() & ~pl.col("outcome").is_in(OUTCOMES),
         f"onbekende uitkomst (toegestaan: {', '.join(OUTCOMES)})"),
        ("decision_date", pl.col("outcome").is_in(RULED) & pl.col("decision_date").is_null(),
         "er is een uitkomst, maar geen besluitdatum"),
        ("decision_date", (pl.col("outcome") == "lopend") & pl.col("decision_date").is_not_null(),
         "de zaak is lopend, maar er is een besluitdatum"),
        ("decision_date", pl.col("decided") < pl.col("received"), "besluitdatum ligt voor de datum van ontvangst"),
        base.place_check(known_wijken),
    ]
    checks += base.date_checks({"received_date": "received", "decision_date": "decided"}, fmt, reference)
    checks.append(("case_id", pl.col("_dup"), "zaak staat er al eerder (zelfde zaaknummer en soort)"))
    return df.height, run_checks(df, checks, {})


def open_late(objections: pl.DataFrame, first: int, reference: date, term_days: int) -> pl.DataFrame:
    """Each objection once for every covered year at whose end (or on the export date, for the year it falls
    in) it was still open while more than ``term_days`` had passed since it was received. Open: not decided
    by then (a withdrawal without a date is taken as no longer open)."""
    years = list(range(first, reference.year + 1))
    ends = pl.DataFrame({"period": [f"{y}JJ00" for y in years],
                         "p_end": [min(date(y, 12, 31), reference) for y in years]})
    still = (pl.col("outcome") == "lopend") | (pl.col("decided") > pl.col("p_end"))
    return (objections.select("received", "decided", "outcome").join(ends, how="cross")
            .filter(still & ((pl.col("p_end") - pl.col("received")).dt.total_days() > term_days)))


def aggregate(good: pl.DataFrame, wanted: list[dict], reference: date, gemeente: str,
              first_year: int | None = None, terms: settings_mod.LegalTerms | None = None
              ) -> tuple[pl.DataFrame, list[str]]:
    """Observations for the catalogue entries of this kind, and the years the extract covers."""
    term = (terms or settings_mod.load_terms()).objection_days()  # MSD_TERM_OBJECTION_*: Awb 7:10
    first = base.first_year(good["received"], reference, first_year)
    rows = good.select("law", "kind", "outcome", "received", "decided", pl.col("wijk"),
                       days=(pl.col("decided") - pl.col("received")).dt.total_days())
    received = base.per_year(rows, "received", first, reference)
    # Decided objections: those ruled on, in the year of the decision (withdrawn ones had no decision).
    decided = base.per_year(rows.filter(pl.col("outcome").is_in(RULED)), "decided", first, reference)
    frames = []
    for w in wanted:
        iid, measure, law = w["id"], w["measure"], w.get("category") or ""
        if law not in CASE_LAWS:
            raise WarehouseError(f"Catalogus, indicator {iid}: category moet de wet van de zaken zijn "
                                 f"({', '.join(CASE_LAWS)})")
        got = received.filter(pl.col("law") == law)
        done = decided.filter((pl.col("law") == law) & (pl.col("kind") == "bezwaar"))
        if measure == "complaints":
            frames.append(base.count(got.filter(pl.col("kind") == "klacht"), iid, wijken=True))
        elif measure == "objections":
            objections = got.filter(pl.col("kind") == "bezwaar")
            frames.append(base.count(objections, iid, wijken=True))
            # By outcome for the municipality only: per wijk and outcome nearly every cell would be small, and
            # hiding them all would take the wijk totals with them.
            frames.append(base.count(objections.with_columns(category=pl.col("outcome")), iid, False, "outcome"))
        elif measure == "court_cases":
            court = got.filter(pl.col("kind").is_in(COURT_KINDS))
            frames.append(base.count(court, iid, wijken=False))
            frames.append(base.count(court.with_columns(category=pl.col("kind")), iid, False, "kind"))
        elif measure == "objections_upheld_share":
            frames.append(base.share(done, iid, pl.col("outcome").is_in(UPHELD), wijken=False))
        elif measure == "objection_days_median":
            frames.append(base.median(done, iid, pl.col("days"), wijken=False))
        elif measure == "objections_over_term_share":
            frames.append(base.share(done, iid, pl.col("days") > term, wijken=False))
        elif measure == "objections_open_late":
            mine = rows.filter((pl.col("law") == law) & (pl.col("kind") == "bezwaar"))
            frames.append(base.count(open_late(mine, first, reference, term), iid, wijken=False))
        else:
            raise WarehouseError(f"Catalogus, indicator {iid}: onbekende maat voor klachten en bezwaren {measure!r}")
    return base.finish(frames, gemeente, reference), base.year_codes(first, reference)
