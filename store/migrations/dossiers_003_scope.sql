-- Dossiers per municipality (issue 21): the member municipality whose council the dossier is for (GM1234),
-- or NULL for a dossier of the whole region (and every dossier of a single municipality's installation).
ALTER TABLE dossiers ADD COLUMN gemeente TEXT;
