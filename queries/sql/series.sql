-- Values of one indicator for chosen regions over time, with the base (denominator) behind each
-- figure: the observation's own, else the value of the catalogue's denominator indicator.
-- The denominator id comes in as a parameter so both scans are filtered (fast on large warehouses).
WITH base AS (
    SELECT region_code, period, value
    FROM totals
    WHERE indicator_id = $denominator_id
      AND list_contains($region_codes, region_code)
)
SELECT o.* REPLACE (coalesce(o.denominator, b.value) AS denominator)
FROM figures o
LEFT JOIN base b ON b.region_code = o.region_code AND b.period = substr(o.period, 1, 4) || 'JJ00'
WHERE o.indicator_id = $indicator_id
  AND list_contains($region_codes, o.region_code)
  AND o.breakdown = $breakdown
  AND ($category IS NULL OR o.category = $category)
  AND substr(o.period, 5, 2) = $period_kind
ORDER BY o.region_code, o.period, o.category
