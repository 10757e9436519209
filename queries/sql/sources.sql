SELECT source_id, kind, title, table_id, url, release, loaded_at, checksum, rows
FROM sources
ORDER BY source_id
