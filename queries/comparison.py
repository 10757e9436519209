"""Comparison that explains: similar municipalities and expected use per wijk.

Two questions, both answered with suppressed figures only:

* **Which municipalities are like ours?** Context figures (inhabitants, age structure, households,
  income, share on benefits, density) are turned into z-scores over all municipalities in the
  warehouse; the distance between two municipalities is the root mean square of their z-score
  differences. The k nearest are the peer group, with the themes they are most alike in as the reason.
* **Is the use in a wijk high or low, given who lives there?** Indirect standardisation: the rate per
  age group of a standard population (the municipality itself, or scaled to the national or peer
  level) times the wijk's inhabitants per age group gives the expected number; observed divided by
  expected, with a Poisson interval (Byar), says whether the wijk is above or below expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from domain.suppression import suppress
from queries import Warehouse
from queries import figures as q
from queries.expectation import (  # noqa: F401  (part of this module's public names)
    BROAD_GROUPS,
    STANDARDS,
    USE_MEASURES,
    Z95,
    Expectation,
    UseMeasure,
    byar_interval,
    expectation_years,
    expected_counts,
    expected_use,
    group_rates,
    observed_expected,
    q_factor_text,
    standard_factor,
    verdict,
    wijk_income,
)

# --------------------------------------------------------------------------------------------
# Similar municipalities
# --------------------------------------------------------------------------------------------

# Feature -> (theme, log-transform). A log scale for inhabitants and density: 50,000 against 100,000
# inhabitants is as big a difference as 100,000 against 200,000.
CONTEXT_FEATURES: dict[str, tuple[str, bool]] = {
    "population": ("inwonertal", True),
    "pct_65plus": ("leeftijdsopbouw", False),
    "pct_0_17": ("leeftijdsopbouw", False),
    "pct_single_households": ("huishoudens", False),
    "pct_households_with_children": ("huishoudens", False),
    "avg_income_per_inhabitant": ("inkomen", False),
    "pct_low_income_households": ("inkomen", False),
    "bijstand_per_1000": ("uitkeringen", False),
    "population_density": ("stedelijkheid", True),
}
THEME_ORDER = ["inwonertal", "leeftijdsopbouw", "huishoudens", "inkomen", "uitkeringen", "stedelijkheid"]
DEFAULT_K = 5
# Regions a municipality lies in, in the order the picker offers them.
GROUP_LEVELS = {"provincie": "provincie", "corop": "COROP-gebied", "jeugdregio": "jeugdregio",
                "arbeidsmarktregio": "arbeidsmarktregio"}


def context_matrix(wh: Warehouse, year: int) -> pl.DataFrame:
    """One row per municipality, one column per context feature (its latest value up to ``year``)."""
    df = wh.run("context_values", indicator_ids=list(CONTEXT_FEATURES), year=year)
    df = suppress(df, q.catalogue(wh), wh.settings).filter(pl.col("value").is_not_null())
    if df.is_empty():
        return pl.DataFrame(schema={"region_code": pl.String, "region_name": pl.String})
    wide = df.pivot(on="indicator_id", index=["region_code", "region_name"], values="value")
    for feature in CONTEXT_FEATURES:
        if feature not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(feature))
    return wide.select("region_code", "region_name", *CONTEXT_FEATURES).sort("region_code")


def standardise(matrix: pl.DataFrame, features: dict[str, tuple[str, bool]] | None = None) -> pl.DataFrame:
    """z-scores per feature over all rows: (x - mean) / standard deviation (population sd, ddof=0).

    Log-marked features are log-transformed first. A feature without spread gets z = 0 everywhere.
    """
    features = features or CONTEXT_FEATURES
    cols = []
    for name, (_, use_log) in features.items():
        if name not in matrix.columns:
            continue
        x = pl.col(name).cast(pl.Float64)
        x = pl.when(x > 0).then(x.log()) if use_log else x
        sd = x.std(ddof=0)
        cols.append(pl.when(sd > 0).then((x - x.mean()) / sd).otherwise(pl.lit(0.0)).alias(name))
    return matrix.select("region_code", *[c for c in ("region_name",) if c in matrix.columns], *cols)


def rank_similar(matrix: pl.DataFrame, own: str, k: int = DEFAULT_K,
                 features: dict[str, tuple[str, bool]] | None = None,
                 candidates: list[str] | None = None) -> pl.DataFrame:
    """The ``k`` rows most similar to ``own``: distance = sqrt(mean over features of (z - z_own)^2).

    Features missing for either municipality are left out of that pair's mean. Returns region_code,
    region_name, distance, rank, one ``theme:<name>`` column per theme (mean |z difference|) and the
    plain-Dutch reason.
    """
    features = features or CONTEXT_FEATURES
    z = standardise(matrix, features)
    if own not in z["region_code"].to_list():
        return pl.DataFrame()
    names = [f for f in features if f in z.columns]
    own_row = z.filter(pl.col("region_code") == own).row(0, named=True)
    others = z.filter(pl.col("region_code") != own)
    if candidates is not None:
        others = others.filter(pl.col("region_code").is_in(candidates))
    diffs = others.select(
        "region_code", *[c for c in ("region_name",) if c in others.columns],
        *[(pl.col(f) - own_row[f]).abs().alias(f) if own_row[f] is not None else pl.lit(None, pl.Float64).alias(f)
          for f in names])
    squares = [pl.col(f) ** 2 for f in names]
    counted = pl.sum_horizontal([pl.col(f).is_not_null().cast(pl.Int32) for f in names])
    themes = sorted({features[f][0] for f in names}, key=_theme_rank)
    out = diffs.with_columns(
        distance=(pl.sum_horizontal(squares) / counted).sqrt(),
        **{f"theme:{t}": pl.mean_horizontal([pl.col(f) for f in names if features[f][0] == t]) for t in themes},
    ).filter(pl.col("distance").is_not_null()).sort("distance", "region_code").head(k)
    out = out.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int32))
    reasons = [reason_text({t: r[f"theme:{t}"] for t in themes}) for r in out.iter_rows(named=True)]
    return out.with_columns(reason=pl.Series(reasons, dtype=pl.String)).drop(names)


def _theme_rank(theme: str) -> int:
    return THEME_ORDER.index(theme) if theme in THEME_ORDER else len(THEME_ORDER)


def _join_dutch(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " en " + words[-1]


def reason_text(theme_diffs: dict[str, float | None]) -> str:
    """'lijkt vooral in leeftijdsopbouw en inkomen; verschilt het meest in stedelijkheid'."""
    known = sorted(((d, _theme_rank(t), t) for t, d in theme_diffs.items() if d is not None))
    if not known:
        return "geen vergelijkbare gegevens"
    alike = [t for _, _, t in known[:2]]
    text = f"lijkt vooral in {_join_dutch(alike)}"
    worst = known[-1]
    if len(known) > 2 and worst[0] > 0.5:  # half a standard deviation: a difference worth naming
        text += f"; verschilt het meest in {worst[2]}"
    return text


def group_reason(similar: pl.DataFrame) -> str:
    """Why the group as a whole was chosen: the two themes it is most alike in on average."""
    themes = [c for c in similar.columns if c.startswith("theme:")]
    if similar.is_empty() or not themes:
        return ""
    means = {c.removeprefix("theme:"): similar[c].mean() for c in themes}
    return reason_text(means)


def similar_municipalities(wh: Warehouse, year: int, k: int = DEFAULT_K) -> pl.DataFrame:
    """The k municipalities most like ours in the warehouse, with their distance and reason."""
    return rank_similar(context_matrix(wh, year), wh.gemeente, k)


def context_profile(wh: Warehouse, year: int, codes: list[str]) -> pl.DataFrame:
    """The context features of some municipalities (own first), for the table beside the group."""
    m = context_matrix(wh, year).filter(pl.col("region_code").is_in(codes))
    order = {c: i for i, c in enumerate(codes)}
    return m.with_columns(_o=pl.col("region_code").replace_strict(order, default=len(order))).sort("_o").drop("_o")


@dataclass(frozen=True)
class PeerGroup:
    kind: str          # "auto" | "vast" | "eigen" | a region code (province, youth region)
    label: str
    codes: list[str]
    reason: str = ""


def memberships(wh: Warehouse) -> pl.DataFrame:
    """Which gemeente lies in which region (CBS Gebieden in Nederland); empty for a release without them."""
    if not (wh.release.path / "memberships.parquet").exists():  # a release from before memberships existed
        return pl.DataFrame(schema={"region_code": pl.String, "group_code": pl.String, "level": pl.String})
    return wh.run("memberships")


def _in_group(wh: Warehouse) -> pl.DataFrame:
    """Every (gemeente, region) pair: from the memberships and from the regions' own parent_code."""
    regs = q.regions(wh)
    groups = regs.filter(pl.col("level").is_in(list(GROUP_LEVELS))).select("region_code")
    by_parent = (regs.filter(pl.col("level") == "gemeente")
                 .select("region_code", group_code=pl.col("parent_code"))
                 .join(groups, left_on="group_code", right_on="region_code", how="semi"))
    return pl.concat([memberships(wh).select("region_code", "group_code"), by_parent]).unique()


def region_groups(wh: Warehouse) -> pl.DataFrame:
    """The provinces, COROP regions, youth regions and labour-market regions that hold our municipality."""
    regs = q.regions(wh)
    own = _in_group(wh).filter(pl.col("region_code") == wh.gemeente)["group_code"]
    order = {lv: i for i, lv in enumerate(GROUP_LEVELS)}
    return (regs.filter(pl.col("region_code").is_in(own.implode()) & pl.col("level").is_in(list(GROUP_LEVELS)))
            .with_columns(_o=pl.col("level").replace_strict(order, return_dtype=pl.Int32))
            .sort("_o", "name").select("region_code", "name", "level"))


def group_label(level: str, name: str) -> str:
    """'Provincie Flevoland', 'COROP-gebied Flevoland' (str.capitalize would lower 'COROP')."""
    word = GROUP_LEVELS[level]
    return f"{word[:1].upper()}{word[1:]} {name}"


def region_group_members(wh: Warehouse, group_code: str) -> list[str]:
    """The other municipalities in that region that the warehouse knows, by name."""
    codes = _in_group(wh).filter(pl.col("group_code") == group_code)["region_code"]
    members = q.regions(wh).filter((pl.col("level") == "gemeente") & pl.col("region_code").is_in(codes.implode())
                                   & (pl.col("region_code") != wh.gemeente)).sort("name")
    return members["region_code"].to_list()


def municipalities(wh: Warehouse) -> pl.DataFrame:
    """Every other municipality in the warehouse, by name: the options of an own-choice group."""
    return q.regions(wh).filter((pl.col("level") == "gemeente") & (pl.col("region_code") != wh.gemeente)).sort("name")


def peer_group(wh: Warehouse, kind: str, *, year: int, k: int = DEFAULT_K, chosen: list[str] | None = None) -> PeerGroup:
    """Resolve the reader's choice of comparison group to municipality codes."""
    if kind == "auto":
        sim = similar_municipalities(wh, year, k)
        return PeerGroup("auto", f"De {sim.height} meest vergelijkbare gemeenten", sim["region_code"].to_list(),
                         group_reason(sim))
    if kind == "eigen":
        valid = set(municipalities(wh)["region_code"])
        return PeerGroup("eigen", "Eigen keuze", [c for c in chosen or [] if c in valid])
    if kind == "vast":
        return PeerGroup("vast", "Vaste vergelijkingsgroep", wh.peers)
    groups = region_groups(wh).filter(pl.col("region_code") == kind)
    if groups.height:
        g = groups.row(0, named=True)
        return PeerGroup(kind, group_label(g["level"], g["name"]), region_group_members(wh, kind))
    return PeerGroup("vast", "Vaste vergelijkingsgroep", wh.peers)
