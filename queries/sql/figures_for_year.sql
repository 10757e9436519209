-- Every requested indicator for the requested regions in one year (and the year before), totals only.
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
LEFT JOIN regions r ON r.region_code = o.region_code
LEFT JOIN observations d
    ON d.indicator_id = i.denominator_id
   AND d.region_code = o.region_code
   AND d.period = o.period
   AND d.breakdown = ''
   AND d.category = ''
WHERE list_contains($indicator_ids, o.indicator_id)
  AND list_contains($region_codes, o.region_code)
  AND o.breakdown = ''
  AND o.category = ''
  AND list_contains($periods, o.period)
