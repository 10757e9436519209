-- The catalogue with, per indicator, the first and last year that has figures.
SELECT
    i.*,
    s.first_year,
    s.last_year,
    s.source_ids
FROM indicators i
LEFT JOIN (
    SELECT
        indicator_id,
        min(CAST(substr(period, 1, 4) AS INTEGER)) AS first_year,
        max(CAST(substr(period, 1, 4) AS INTEGER)) AS last_year,
        string_agg(DISTINCT source_id, ', ' ORDER BY source_id) AS source_ids
    FROM observations
    WHERE value IS NOT NULL
    GROUP BY indicator_id
) s ON s.indicator_id = i.id
ORDER BY i.law, i."order", i.id
