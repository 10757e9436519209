-- Every figure of some indicators in some municipalities, their wijken and buurten: all periods and
-- all breakdowns, with the municipality each cell belongs to. Secondary suppression decides over this
-- whole set per municipality, whichever part a page shows. One scan for all municipalities at once.
SELECT
    CASE WHEN list_contains($gemeenten, r.gemeente_code) THEN r.gemeente_code ELSE o.region_code END AS gemeente,
    o.indicator_id, o.region_code, o.period, o.breakdown, o.category, o.value, o.denominator, o.status
FROM observations o
JOIN regions r ON r.region_code = o.region_code
WHERE (list_contains($gemeenten, r.gemeente_code) OR list_contains($gemeenten, o.region_code))
  AND list_contains($indicator_ids, o.indicator_id)
ORDER BY o.indicator_id, o.region_code, o.period, o.breakdown, o.category
