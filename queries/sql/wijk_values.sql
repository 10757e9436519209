-- One indicator for every wijk of a municipality and for the municipality itself, in one year,
-- with the base (denominator) behind each figure.
WITH areas AS (
    SELECT region_code
    FROM regions
    WHERE (level = 'wijk' AND gemeente_code = $gemeente) OR region_code = $gemeente
),
base AS (
    SELECT region_code, value
    FROM totals
    WHERE indicator_id = $denominator_id
      AND period = $period
)
SELECT o.* REPLACE (coalesce(o.denominator, b.value) AS denominator)
FROM total_figures o
LEFT JOIN base b ON b.region_code = o.region_code
WHERE o.indicator_id = $indicator_id
  AND o.period = $period
  AND o.region_code IN (SELECT region_code FROM areas)
ORDER BY o.region_level DESC, o.region_name
