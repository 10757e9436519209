-- Inhabitants per age group of the municipality for years after $base_year: a population forecast,
-- when one is loaded as population figures for future years.
SELECT
    CAST(substr(period, 1, 4) AS INTEGER) AS year,
    category AS age_group,
    value
FROM observations
WHERE indicator_id = 'population'
  AND region_code = $region_code
  AND breakdown = 'age_group'
  AND substr(period, 5, 2) = 'JJ'
  AND CAST(substr(period, 1, 4) AS INTEGER) >= $base_year
ORDER BY year, age_group
