-- Totals (no breakdown) of every indicator for some regions, per year and per quarter, with the
-- base (denominator) behind each figure: everything the signal engine tests. One scan of the
-- observations (materialised), because the bases (yearly figures) come from the same regions.
WITH own AS MATERIALIZED (
    SELECT *
    FROM total_figures
    WHERE region_code IN (SELECT unnest($region_codes))  -- a semi join: cheaper than list_contains here
      AND substr(period, 5, 2) IN ('JJ', 'KW')
)
SELECT
    o.* EXCLUDE (value, denominator, status, source_id),
    substr(o.period, 5, 2) AS period_kind,
    o.value,
    coalesce(o.denominator, b.value) AS denominator,
    o.status,
    o.source_id
FROM own o
JOIN indicators i ON i.id = o.indicator_id
LEFT JOIN own b ON b.indicator_id = i.denominator_id AND b.region_code = o.region_code
    AND b.period = substr(o.period, 1, 4) || 'JJ00'
ORDER BY o.indicator_id, o.region_code, o.period
