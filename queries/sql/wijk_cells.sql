-- Every wijk figure of some indicators in the given municipalities: the whole set that
-- complementary suppression needs, whichever wijken a page happens to show.
SELECT o.indicator_id, o.region_code, o.period, o.value, o.denominator, o.status, r.gemeente_code
FROM observations o
JOIN regions r ON r.region_code = o.region_code
WHERE r.level = 'wijk'
  AND list_contains($gemeenten, r.gemeente_code)
  AND list_contains($indicator_ids, o.indicator_id)
  AND o.breakdown = ''
  AND o.category = ''
