-- Which breakdowns (product, age group, route, ...) exist for an indicator in a region.
SELECT breakdown, count(DISTINCT category) AS categories
FROM observations
WHERE indicator_id = $indicator_id
  AND region_code = $region_code
  AND breakdown <> ''
GROUP BY breakdown
ORDER BY breakdown
