-- The audit log becomes a hash chain (auth/audit.py): every new entry gets the next number and a
-- sha256 over the previous entry's hash plus its own content, so a changed, removed or inserted
-- entry breaks the chain (`python -m auth audit --verify`). Entries written before this migration keep
-- NULL here; the first chained entry's prev_hash seals them all (see auth.audit.genesis_hash).
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN row_hash TEXT;

-- Two writers can never both add entry n + 1 after entry n: the chain cannot fork.
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE UNIQUE INDEX audit_log_prev_hash ON audit_log (prev_hash);
