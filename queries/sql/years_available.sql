-- The years for which an indicator has figures for any of the given regions.
SELECT DISTINCT CAST(substr(period, 1, 4) AS INTEGER) AS year
FROM observations
WHERE list_contains($indicator_ids, indicator_id)
  AND list_contains($region_codes, region_code)
  AND substr(period, 5, 2) = 'JJ'
  AND breakdown = ''
  AND value IS NOT NULL
ORDER BY year
