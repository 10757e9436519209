-- Totals (no breakdown) of every indicator for some regions, per year and per quarter, with the
-- base (denominator) behind each figure: everything the signal engine tests. One scan of the
-- observations (materialised), because the bases come from the same regions.
WITH own AS MATERIALIZED (
    SELECT indicator_id, region_code, period, value, denominator, status, source_id
    FROM observations
    WHERE region_code IN (SELECT unnest($region_codes))  -- a semi join: cheaper than list_contains here
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
    substr(o.period, 5, 2) AS period_kind,
    o.value,
    coalesce(o.denominator, b.value) AS denominator,
    o.status,
    o.source_id
FROM own o
JOIN indicators i ON i.id = o.indicator_id
LEFT JOIN regions r ON r.region_code = o.region_code
LEFT JOIN own b ON b.indicator_id = i.denominator_id AND b.region_code = o.region_code
    AND b.period = substr(o.period, 1, 4) || 'JJ00'
WHERE substr(o.period, 5, 2) IN ('JJ', 'KW')
ORDER BY o.indicator_id, o.region_code, o.period
