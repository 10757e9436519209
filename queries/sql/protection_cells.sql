-- Every figure of some (indicator group, protection unit) pairs: each pair's indicators in the unit's
-- areas, all periods and all breakdowns. A unit is a municipality (itself, its wijken and buurten) or, in
-- a release with a region, the region (the region code, every member and the members' wijken and
-- buurten). Secondary suppression decides over this whole set per pair, whichever part a page shows. One
-- scan for all pairs at once; a cell whose indicator is in two pairs of the unit comes once for each (``pair``).
-- $pair_ids, $pair_units, $pair_indicators: one entry per indicator of each pair (same length);
-- $indicator_ids: the distinct indicators (lets the scan skip row groups);
-- $unit_codes, $unit_of: the unit of each municipality or region code of the pairs (same length).
WITH wanted AS (
    SELECT unnest($pair_ids) AS pair, unnest($pair_units) AS unit, unnest($pair_indicators) AS indicator_id
),
units AS (
    SELECT unnest($unit_codes) AS code, unnest($unit_of) AS unit
),
areas AS (
    SELECT r.region_code, coalesce(by_gemeente.unit, by_code.unit) AS unit
    FROM regions r
    LEFT JOIN units by_gemeente ON by_gemeente.code = r.gemeente_code
    LEFT JOIN units by_code ON by_code.code = r.region_code
    WHERE by_gemeente.unit IS NOT NULL OR by_code.unit IS NOT NULL
)
SELECT w.pair, o.indicator_id, o.region_code, o.period, o.breakdown, o.category, o.value, o.denominator, o.status
FROM observations o
JOIN areas a ON a.region_code = o.region_code
JOIN wanted w ON w.unit = a.unit AND w.indicator_id = o.indicator_id
WHERE list_contains($indicator_ids, o.indicator_id)
ORDER BY w.pair, o.indicator_id, o.region_code, o.period, o.breakdown, o.category
