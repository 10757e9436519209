-- One indicator for every wijk of a municipality and for the municipality itself, in one year,
-- with the base (denominator) behind each figure.
WITH areas AS (
    SELECT region_code, name, level
    FROM regions
    WHERE (level = 'wijk' AND gemeente_code = $gemeente) OR region_code = $gemeente
),
base AS (
    SELECT region_code, value
    FROM observations
    WHERE indicator_id = $denominator_id
      AND period = $period
      AND breakdown = ''
      AND category = ''
)
SELECT
    o.indicator_id,
    o.region_code,
    a.name AS region_name,
    a.level AS region_level,
    o.period,
    CAST(substr(o.period, 1, 4) AS INTEGER) AS year,
    o.value,
    coalesce(o.denominator, b.value) AS denominator,
    o.status,
    o.source_id
FROM observations o
JOIN areas a ON a.region_code = o.region_code
LEFT JOIN base b ON b.region_code = o.region_code
WHERE o.indicator_id = $indicator_id
  AND o.period = $period
  AND o.breakdown = ''
  AND o.category = ''
ORDER BY a.level DESC, a.name
