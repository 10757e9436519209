"""The reasons a provision ended: our own short codes per law, the words many systems use for them, and the
numeric "reden beëindiging" codes of the iStandaarden (iWmo, iJw), so that a standard export works without a
profile. Read by :mod:`etl.registry_read`; the effect figures and the provider view use the drop-out rule.

The same number means different things per law (31 is a move in the iWmo and "ended as planned" in the
iJw), so the numeric tables are per law. A profile's ``[values.end_reason]`` is applied first and so
overrides them (etl.registry_read.read_raw)."""

from __future__ import annotations

import polars as pl

OTHER = "overig"
DROP_OUT = "voortijdig_gestopt"
# An end that is no outcome of the care: it goes on with another provider, another allocation or after a
# pause. Counted as a known reason (not "overig"), but left out of the base of the drop-out share.
ADMINISTRATIVE = "administratief"
# Reasons a provision ended, per law, as our own short codes (docs/loading-real-data.md). A profile maps a
# system's codes or words to these ([values.end_reason]); anything else is counted as OTHER, never kept as text.
END_REASONS = {
    "wmo": ("doel_bereikt", DROP_OUT, "verhuisd", "overleden", "wlz", "andere_voorziening", "niet_meer_nodig",
            ADMINISTRATIVE),
    "jeugd": ("doel_bereikt", DROP_OUT, "verhuisd", "overleden", "meerderjarig", "wlz", "andere_voorziening",
              "niet_meer_nodig", ADMINISTRATIVE),
    "participatie": ("werk", "opleiding", "andere_uitkering", "doel_bereikt", DROP_OUT, "verhuisd", "overleden"),
    "schuldhulp": ("afgerond", "schuldregeling", DROP_OUT, "verhuisd", "overleden"),
}
# Words many systems use for the same reason (after lower case, with spaces as "_").
END_REASON_WORDS = {"uitval": DROP_OUT, "voortijdig_beeindigd": DROP_OUT, "afgebroken": DROP_OUT,
                    "verhuizing": "verhuisd", "overlijden": "overleden", "instroom_wlz": "wlz",
                    "doel_behaald": "doel_bereikt", "behandeldoel_bereikt": "doel_bereikt", "18_jaar": "meerderjarig",
                    "uitstroom_naar_werk": "werk"}
# The iStandaarden's numeric "reden beëindiging", per law, as published by Zorginstituut Nederland:
# - iWmo 3.2, code list WMO588 (informatiemodel.istandaarden.nl/informatiemodel/iwmo/3.2/codelijsten/wmo588);
# - iJw 3.2, code list JZ588 (informatiemodel.istandaarden.nl/informatiemodel/ijw/3.2/codelijsten/jz588).
# Read via the copies in github.com/i-Sociaal-Lab/jaapjunior (packages/api/jw/bronnen/). Decisions:
# - "volgens plan beëindigd" (WMO 19, JZ 31) is doel_bereikt: the trajectory ran as planned, not broken off;
# - ended early by the client, the provider or both (WMO 21-23, JZ 32-34) is the drop-out;
# - JZ 35 (ended early for an outside reason) is verhuisd: the list names a move first, and its reden wijziging
#   toewijzing is 07, the move to another municipality;
# - "uitstroom naar ander domein" (WMO 39, JZ 39) is andere_voorziening, not wlz: the list names the Wlz, the
#   Zvw and (iJw) the Wmo alike, so it does not say which;
# - administrative, no outcome: 20 tijdelijk beëindigd (the care is expected to resume, e.g. a hospital stay),
#   36 geïnitieerd door de gemeente (per JZ002 it follows a contract change, a shorter re-assessment, a change
#   of delivery form, new funding or a merger of municipalities: the care mostly goes on in a new allocation),
#   37 in verband met wijzigingsverzoek (the provider asked to deliver something else) and 38 overstap naar
#   andere aanbieder. Counting them as drop-out or as an outcome would make the figure say what did not happen.
ISTANDAARD_END_REASONS = {
    "wmo": {"02": "overleden", "19": "doel_bereikt", "20": ADMINISTRATIVE, "21": DROP_OUT, "22": DROP_OUT,
            "23": DROP_OUT, "31": "verhuisd", "36": ADMINISTRATIVE, "37": ADMINISTRATIVE, "38": ADMINISTRATIVE,
            "39": "andere_voorziening"},
    "jeugd": {"02": "overleden", "20": ADMINISTRATIVE, "31": "doel_bereikt", "32": DROP_OUT, "33": DROP_OUT,
              "34": DROP_OUT, "35": "verhuisd", "36": ADMINISTRATIVE, "37": ADMINISTRATIVE, "38": ADMINISTRATIVE,
              "39": "andere_voorziening"},
}


def end_reason(law: str) -> pl.Expr:
    """The ``end_reason`` column as one of the law's codes (END_REASONS): the code itself, the law's
    iStandaard number (a number written without its leading zero is padded), a known word, or OTHER."""
    codes = list(END_REASONS[law])
    raw = pl.col("end_reason")
    words = raw.str.to_lowercase().str.replace_all(r"[\s-]+", "_")
    known = pl.when(words.is_in(codes)).then(words)
    if numbers := ISTANDAARD_END_REASONS.get(law):
        number = pl.when(raw.str.contains(r"^\d$")).then(pl.lit("0") + raw).otherwise(raw)
        known = known.when(number.is_in(list(numbers))).then(number.replace_strict(numbers, default=None))
    known = known.otherwise(words.replace_strict(END_REASON_WORDS, default=None))
    return pl.when(raw.is_null()).then(None).when(known.is_in(codes)).then(known).otherwise(pl.lit(OTHER))


def counts_for_dropout() -> pl.Expr:
    """Ended provisions that are in the base of a drop-out share: a known reason that is an outcome."""
    return pl.col("end_reason").is_not_null() & (pl.col("end_reason") != ADMINISTRATIVE)
