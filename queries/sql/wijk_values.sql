-- One indicator for every wijk of a municipality and for the municipality itself, in one year.
SELECT
    o.indicator_id,
    o.region_code,
    r.name AS region_name,
    r.level AS region_level,
    o.period,
    CAST(substr(o.period, 1, 4) AS INTEGER) AS year,
    o.value,
    coalesce(o.denominator, d.value) AS denominator,
    o.status,
    o.source_id
FROM observations o
JOIN indicators i ON i.id = o.indicator_id
JOIN regions r ON r.region_code = o.region_code
LEFT JOIN observations d
    ON d.indicator_id = i.denominator_id
   AND d.region_code = o.region_code
   AND d.period = o.period
   AND d.breakdown = ''
   AND d.category = ''
WHERE o.indicator_id = $indicator_id
  AND o.period = $period
  AND o.breakdown = ''
  AND o.category = ''
  AND ((r.level = 'wijk' AND r.gemeente_code = $gemeente) OR o.region_code = $gemeente)
ORDER BY r.level DESC, r.name
