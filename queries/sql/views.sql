-- The views the other queries read, made on every connection a Warehouse opens. They are temporary
-- views: the release's file stays read-only, and a release made before a view existed reads the same.
-- DuckDB expands a view into the query that reads it, so that query's filters still reach the scan of
-- the Parquet file (a view costs no extra read).

-- Totals: observations without a breakdown.
CREATE TEMP VIEW totals AS
SELECT indicator_id, region_code, period, value, denominator, status, source_id
FROM observations
WHERE breakdown = '' AND category = '';

-- Observations as a figure is shown: with the name and level of the region and the year.
CREATE TEMP VIEW figures AS
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
    o.denominator,
    o.status,
    o.source_id
FROM observations o
LEFT JOIN regions r ON r.region_code = o.region_code;

-- The figures of the totals, without the (empty) breakdown columns.
CREATE TEMP VIEW total_figures AS
SELECT * EXCLUDE (breakdown, category)
FROM figures
WHERE breakdown = '' AND category = '';
