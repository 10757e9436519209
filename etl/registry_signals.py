"""Debt-help early-warning signals (vroegsignalering, Wet gemeentelijke schuldhulpverlening art. 3).

Since 2021 landlords, health insurers, energy and drinking-water companies report payment arrears to the
municipality, which then offers the household help. An extract lists signals: date, kind, date of the first
contact offered, whether help was accepted, whether the household has children, and the postcode or wijk.
A signal id is used only to find duplicates; nothing that names a person or a household is mapped or kept.
Counted per year of the signal, for the municipality and its wijken:

- signals, by kind (huur, zorgverzekering, energie, water, and every other partner as "overig");
- the share contacted within :data:`CONTACT_TERM_DAYS` (signals whose term had not yet passed on the
  export date and that were not yet contacted are left out: they cannot be judged yet);
- the share of the signals with a contact offer that accepted help;
- the share of the signals about a household with children.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from etl import registry_cases_base as base
from etl.registry_read import OTHER, Checked, Extract, ReaderLimits, run_checks
from warehouse.releases import WarehouseError

FIELDS = ("signal_id", "signal_date", "signal_kind", "contact_date", "help_accepted", "children", "postcode",
          "wijk_code")
KIND = base.Kind("signals", FIELDS, ("signal_date", "signal_kind"), "vroegsignalering")
SIGNAL_KINDS = ("huur", "zorgverzekering", "energie", "water", OTHER)
# The partners' own words for the four kinds the Besluit gemeentelijke schuldhulpverlening names. Any other
# partner (a municipal tax office, a telecom company under a covenant) is counted as "overig" and reported.
KIND_ALIASES = {"huurachterstand": "huur", "woningcorporatie": "huur", "verhuurder": "huur", "wonen": "huur",
                "zorgverzekeraar": "zorgverzekering", "zvw": "zorgverzekering", "energieleverancier": "energie",
                "gas_en_licht": "energie", "drinkwater": "water", "drinkwaterbedrijf": "water", "waterbedrijf": "water"}
# Wgs art. 3 (vroegsignalering, since 1 January 2021): after a signal the municipality offers the household
# help; domain.md (section 2) gives four weeks as the term, as for a first talk after a request (Wgs art. 4).
# A municipality whose plan sets a shorter norm changes it here; the catalogue definition names four weeks.
CONTACT_TERM_DAYS = 28
YES = ("ja", "j", "yes", "y", "1", "true", "waar")
NO = ("nee", "n", "no", "0", "false", "onwaar")


def _yes_no(column: str) -> pl.Expr:
    c = pl.col(column).str.to_lowercase()
    return pl.when(c.is_in(YES)).then(True).when(c.is_in(NO)).then(False).otherwise(None)


def check(ex: Extract, postcodes: pl.DataFrame, reference: date, known_wijken: set[str],
          limits: ReaderLimits | None = None) -> tuple[int, Checked]:
    """(rows read, the checked rows). Problems name row and column, never a value."""
    section = base.load_section(ex.profile, KIND)
    df = base.read(ex, section, KIND, limits)
    fmt = section["date_format"]
    raw_kind = base.lower_code("signal_kind").replace(KIND_ALIASES)
    df = df.with_columns(
        signalled=base.parse_date("signal_date", fmt), contacted=base.parse_date("contact_date", fmt),
        accepted=_yes_no("help_accepted"), with_children=_yes_no("children"),
        # A kind outside the code list becomes "overig": free text never becomes a category.
        kind=pl.when(raw_kind.is_in(SIGNAL_KINDS)).then(raw_kind).otherwise(pl.lit(OTHER)),
        _other=raw_kind.is_not_null() & ~raw_kind.is_in(SIGNAL_KINDS),
        _dup=pl.col("signal_id").is_not_null() & ~pl.col("signal_id").is_first_distinct())
    df = base.with_wijk(df, postcodes)
    checks: list[tuple[str, pl.Expr, str]] = [
        ("signal_date", pl.col("signal_date").is_null(), "datum van het signaal is leeg"),
        ("signal_kind", pl.col("signal_kind").is_null(), "soort signaal is leeg"),
        ("help_accepted", pl.col("help_accepted").is_not_null() & pl.col("accepted").is_null(), "vul ja of nee in"),
        ("help_accepted", pl.col("accepted") & pl.col("contact_date").is_null(),
         "hulp aanvaard, maar er is geen datum van eerste contact"),
        ("children", pl.col("children").is_not_null() & pl.col("with_children").is_null(), "vul ja of nee in"),
        ("contact_date", pl.col("contacted") < pl.col("signalled"), "eerste contact ligt voor het signaal"),
        base.place_check(known_wijken),
    ]
    checks += base.date_checks({"signal_date": "signalled", "contact_date": "contacted"}, fmt, reference)
    checks.append(("signal_id", pl.col("_dup"), "signaal staat er al eerder (zelfde signaalnummer)"))
    return df.height, run_checks(df, checks, {"signal_kind": pl.col("_other")})


def aggregate(good: pl.DataFrame, wanted: list[dict], reference: date, gemeente: str,
              first_year: int | None = None) -> tuple[pl.DataFrame, list[str]]:
    """Observations for the catalogue entries of this kind, and the years the extract covers."""
    first = base.first_year(good["signalled"], reference, first_year)
    rows = base.per_year(good.select("kind", "signalled", "contacted", "accepted", "with_children", "wijk"),
                         "signalled", first, reference)
    days = (pl.col("contacted") - pl.col("signalled")).dt.total_days()
    frames = []
    for w in wanted:
        iid, measure = w["id"], w["measure"]
        if measure == "signals":
            frames.append(base.count(rows, iid, wijken=True))
            frames.append(base.count(rows.with_columns(category=pl.col("kind")), iid, True, "signal_kind"))
        elif measure == "contact_in_term_share":
            judged = rows.filter(pl.col("contacted").is_not_null()
                                 | (pl.col("signalled") + timedelta(days=CONTACT_TERM_DAYS) < reference))
            frames.append(base.share(judged, iid, days.fill_null(CONTACT_TERM_DAYS + 1) <= CONTACT_TERM_DAYS,
                                     wijken=True))
        elif measure == "help_accepted_share":
            offered = rows.filter(pl.col("contacted").is_not_null() & pl.col("accepted").is_not_null())
            frames.append(base.share(offered, iid, pl.col("accepted"), wijken=True))
        elif measure == "children_share":
            frames.append(base.share(rows.filter(pl.col("with_children").is_not_null()), iid,
                                     pl.col("with_children"), wijken=True))
        else:
            raise WarehouseError(f"Catalogus, indicator {iid}: onbekende maat voor vroegsignalering {measure!r}")
    return base.finish(frames, gemeente, reference), base.year_codes(first, reference)
