SELECT region_code, name, level, parent_code, gemeente_code, boundary_year
FROM regions
ORDER BY level, name
