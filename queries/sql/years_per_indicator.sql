-- Per indicator, the years in which it has a figure for any of the given regions: the default
-- year of a page is the latest year in which most of its headline figures exist.
SELECT DISTINCT indicator_id, CAST(substr(period, 1, 4) AS INTEGER) AS year
FROM observations
WHERE list_contains($indicator_ids, indicator_id)
  AND list_contains($region_codes, region_code)
  AND substr(period, 5, 2) = 'JJ'
  AND breakdown = ''
  AND value IS NOT NULL
ORDER BY indicator_id, year
