-- A short readable link per dossier (?dossier=<slug>), from its title; fixed once the dossier is published.
-- NULL for dossiers made before this migration: they get one when they are next saved. The hex id keeps working.
ALTER TABLE dossiers ADD COLUMN slug TEXT;
CREATE UNIQUE INDEX dossiers_slug ON dossiers (slug);
