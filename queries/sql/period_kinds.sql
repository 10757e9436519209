-- Which period kinds (JJ year, KW quarter, MM month) an indicator has for a region.
SELECT DISTINCT substr(period, 5, 2) AS period_kind
FROM observations
WHERE indicator_id = $indicator_id
  AND list_contains($region_codes, region_code)
  AND breakdown = ''
