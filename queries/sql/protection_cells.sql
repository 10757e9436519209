-- Every figure of some indicators in one municipality, its wijken and buurten: all periods and all
-- breakdowns. Secondary suppression decides over this whole set, whichever part a page shows.
SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.category, o.value, o.denominator, o.status
FROM observations o
JOIN regions r ON r.region_code = o.region_code
WHERE (r.gemeente_code = $gemeente OR o.region_code = $gemeente)
  AND list_contains($indicator_ids, o.indicator_id)
ORDER BY o.indicator_id, o.region_code, o.period, o.breakdown, o.category
