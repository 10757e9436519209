-- Context figures (inhabitants, age, households, income, benefits, density) of every municipality,
-- each at its latest year up to $year: the features from which similar municipalities are chosen.
SELECT
    o.indicator_id,
    o.region_code,
    r.name AS region_name,
    o.period,
    CAST(substr(o.period, 1, 4) AS INTEGER) AS year,
    o.value,
    o.denominator,
    o.status,
    o.source_id
FROM observations o
JOIN regions r ON r.region_code = o.region_code
WHERE r.level = 'gemeente'
  AND list_contains($indicator_ids, o.indicator_id)
  AND o.breakdown = ''
  AND o.category = ''
  AND substr(o.period, 5, 2) = 'JJ'
  AND CAST(substr(o.period, 1, 4) AS INTEGER) <= $year
  AND o.value IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.region_code ORDER BY o.period DESC) = 1
ORDER BY o.region_code, o.indicator_id
