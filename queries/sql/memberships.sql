SELECT region_code, group_code, level
FROM memberships
ORDER BY group_code, region_code
