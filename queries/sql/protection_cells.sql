-- Every figure of some (indicator group, municipality) pairs: each pair's indicators in the
-- municipality, its wijken and buurten, all periods and all breakdowns. Secondary suppression decides
-- over this whole set per pair, whichever part a page shows. One scan for all pairs at once; a cell
-- whose indicator is in two pairs of the municipality comes once for each (``pair``).
-- $pair_ids, $pair_gemeenten, $pair_indicators: one entry per indicator of each pair (same length);
-- $indicator_ids and $gemeenten: the distinct values of the last two (lets the scan skip row groups).
WITH wanted AS (
    SELECT unnest($pair_ids) AS pair, unnest($pair_gemeenten) AS gemeente, unnest($pair_indicators) AS indicator_id
),
areas AS (
    SELECT region_code,
        CASE WHEN list_contains($gemeenten, gemeente_code) THEN gemeente_code ELSE region_code END AS gemeente
    FROM regions
    WHERE list_contains($gemeenten, gemeente_code) OR list_contains($gemeenten, region_code)
)
SELECT w.pair, o.indicator_id, o.region_code, o.period, o.breakdown, o.category, o.value, o.denominator, o.status
FROM observations o
JOIN areas a ON a.region_code = o.region_code
JOIN wanted w ON w.gemeente = a.gemeente AND w.indicator_id = o.indicator_id
WHERE list_contains($indicator_ids, o.indicator_id)
ORDER BY w.pair, o.indicator_id, o.region_code, o.period, o.breakdown, o.category
