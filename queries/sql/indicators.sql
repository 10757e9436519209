-- The catalogue as loaded with this release, with the years that have figures (computed at load).
SELECT *
FROM indicators
ORDER BY law, "order", id
