-- Inhabitants per age group of every wijk of a municipality and of the municipality itself in one
-- period: the base of the expected use per wijk (indirect standardisation).
SELECT
    o.region_code,
    r.name AS region_name,
    r.level AS region_level,
    o.category AS age_group,
    o.value
FROM observations o
JOIN regions r ON r.region_code = o.region_code
WHERE o.indicator_id = $indicator_id
  AND o.breakdown = 'age_group'
  AND o.period = $period
  AND ((r.level = 'wijk' AND r.gemeente_code = $gemeente) OR o.region_code = $gemeente)
ORDER BY r.level DESC, r.name, o.category
