-- Every requested indicator for the requested regions in the requested years, totals only, with
-- the base (denominator) behind each figure.
WITH wanted AS (
    SELECT *
    FROM observations
    WHERE list_contains($indicator_ids, indicator_id)
      AND list_contains($region_codes, region_code)
      AND list_contains($periods, period)
      AND breakdown = ''
      AND category = ''
),
base AS (
    SELECT indicator_id, region_code, period, value
    FROM observations
    WHERE list_contains($denominator_ids, indicator_id)
      AND list_contains($region_codes, region_code)
      AND list_contains($periods, period)
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
    o.value,
    coalesce(o.denominator, b.value) AS denominator,
    o.status,
    o.source_id
FROM wanted o
JOIN indicators i ON i.id = o.indicator_id
LEFT JOIN regions r ON r.region_code = o.region_code
LEFT JOIN base b ON b.indicator_id = i.denominator_id AND b.region_code = o.region_code AND b.period = o.period
