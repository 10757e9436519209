-- Values of one indicator for chosen regions over time, with the base (denominator) behind each
-- figure: the observation's own, else the value of the catalogue's denominator indicator.
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
    coalesce(o.denominator, d.value) AS denominator,
    o.status,
    o.source_id
FROM observations o
JOIN indicators i ON i.id = o.indicator_id
LEFT JOIN regions r ON r.region_code = o.region_code
LEFT JOIN observations d
    ON d.indicator_id = i.denominator_id
   AND d.region_code = o.region_code
   AND d.period = substr(o.period, 1, 4) || 'JJ00'
   AND d.breakdown = ''
   AND d.category = ''
WHERE o.indicator_id = $indicator_id
  AND list_contains($region_codes, o.region_code)
  AND o.breakdown = $breakdown
  AND ($category IS NULL OR o.category = $category)
  AND substr(o.period, 5, 2) = $period_kind
ORDER BY o.region_code, o.period, o.category
