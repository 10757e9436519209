-- Every figure of some (indicator group, municipality) pairs: each pair's indicators in the
-- municipality, its wijken and buurten, all periods and all breakdowns. Secondary suppression decides
-- over this whole set per pair, whichever part a page shows. One scan for all pairs at once; a cell
-- whose indicator is in two pairs of the municipality comes once for each (``pair``).
-- $pair_ids, $pair_gemeenten, $pair_indicators: one entry per indicator of each pair (same length);
-- $indicator_ids and $gemeenten: the distinct values of the last two (lets the scan skip row groups).
WITH wanted AS (
    SELECT unnest($pair_ids) AS pair, unnest($pair_gemeenten) AS gemeente, unnest($pair_indicators) AS indicator_id
),
cells AS (
    SELECT
        CASE WHEN list_contains($gemeenten, r.gemeente_code) THEN r.gemeente_code ELSE o.region_code END AS gemeente,
        o.indicator_id, o.region_code, o.period, o.breakdown, o.category, o.value, o.denominator, o.status
    FROM observations o
    JOIN regions r ON r.region_code = o.region_code
    WHERE (list_contains($gemeenten, r.gemeente_code) OR list_contains($gemeenten, o.region_code))
      AND list_contains($indicator_ids, o.indicator_id)
)
SELECT w.pair, c.indicator_id, c.region_code, c.period, c.breakdown, c.category, c.value, c.denominator, c.status
FROM cells c
JOIN wanted w ON w.gemeente = c.gemeente AND w.indicator_id = c.indicator_id
ORDER BY w.pair, c.indicator_id, c.region_code, c.period, c.breakdown, c.category
