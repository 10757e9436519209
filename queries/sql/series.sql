-- Values of one indicator for chosen regions over time, with the base (denominator) behind each
-- figure: the observation's own, else the value of the catalogue's denominator indicator.
-- The denominator id comes in as a parameter so both scans are filtered (fast on large warehouses).
WITH base AS (
    SELECT region_code, period, value
    FROM observations
    WHERE indicator_id = $denominator_id
      AND list_contains($region_codes, region_code)
      AND breakdown = ''
      AND category = ''
)
SELECT
    o.indicator_id,
    o.region_code,
    r.name AS region_name,
    r.level AS region_level,
    o.period,
    CAST(substr(o.period, 1, 4) AS INTEGER) AS year,
    o.breakdown,
    o.category,
    o.value,
    coalesce(o.denominator, b.value) AS denominator,
    o.status,
    o.source_id
FROM observations o
LEFT JOIN regions r ON r.region_code = o.region_code
LEFT JOIN base b ON b.region_code = o.region_code AND b.period = substr(o.period, 1, 4) || 'JJ00'
WHERE o.indicator_id = $indicator_id
  AND list_contains($region_codes, o.region_code)
  AND o.breakdown = $breakdown
  AND ($category IS NULL OR o.category = $category)
  AND substr(o.period, 5, 2) = $period_kind
ORDER BY o.region_code, o.period, o.category
