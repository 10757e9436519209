-- Every requested indicator for the requested regions in the requested years, totals only, with
-- the base (denominator) behind each figure.
WITH base AS (
    SELECT indicator_id, region_code, period, value
    FROM totals
    WHERE list_contains($denominator_ids, indicator_id)
      AND list_contains($region_codes, region_code)
      AND list_contains($periods, period)
)
SELECT o.* REPLACE (coalesce(o.denominator, b.value) AS denominator)
FROM total_figures o
JOIN indicators i ON i.id = o.indicator_id
LEFT JOIN base b ON b.indicator_id = i.denominator_id AND b.region_code = o.region_code AND b.period = o.period
WHERE list_contains($indicator_ids, o.indicator_id)
  AND list_contains($region_codes, o.region_code)
  AND list_contains($periods, o.period)
