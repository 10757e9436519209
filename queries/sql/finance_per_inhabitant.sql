-- Iv3 amounts (EUR 1.000) of chosen finance indicators per inhabitant in euros, for chosen regions and
-- years: the amount divided by the population of the same region on 1 January of that year, or of the
-- latest year before it (a budget for next year comes before its population figure).
WITH pop AS (
    SELECT region_code, period, value
    FROM totals
    WHERE indicator_id = 'population'
      AND list_contains($region_codes, region_code)
      AND period LIKE '____JJ00'
)
SELECT
    o.* EXCLUDE (value, denominator, status, source_id),
    p.value AS population,
    CASE WHEN p.value > 0 THEN o.value * 1000 / p.value END AS value,
    CASE WHEN p.value > 0 THEN o.status ELSE 'unknown' END AS status,
    o.source_id
FROM total_figures o
ASOF LEFT JOIN pop p ON p.region_code = o.region_code AND o.period >= p.period
WHERE list_contains($indicator_ids, o.indicator_id)
  AND list_contains($region_codes, o.region_code)
ORDER BY o.indicator_id, o.region_code, o.period
