-- Interpretation notes (duiding): one head row per note, every save a new immutable revision.
-- Portable SQL for SQLite and PostgreSQL: TEXT ids, INTEGER revisions, ISO timestamps as TEXT.

CREATE TABLE notes (
    note_id            TEXT PRIMARY KEY,
    revision           INTEGER NOT NULL,          -- newest revision; the optimistic-lock token
    status             TEXT NOT NULL CHECK (status IN ('draft', 'review', 'published', 'withdrawn')),
    law                TEXT NOT NULL,
    indicator_id       TEXT,                      -- NULL: a marker for every indicator of the law
    published_revision INTEGER,                   -- what readers without draft rights see; NULL = nothing
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    published_by       TEXT,
    published_at       TEXT,
    withdrawn_by       TEXT,
    withdrawn_at       TEXT
);

CREATE TABLE note_revisions (
    note_id       TEXT NOT NULL REFERENCES notes (note_id),
    revision      INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'review', 'published', 'withdrawn')),
    change        TEXT NOT NULL,                  -- create, edit, review, back_to_draft, publish, withdraw, reopen
    law           TEXT NOT NULL,
    indicator_id  TEXT,
    scope         TEXT NOT NULL CHECK (scope IN ('gemeente', 'wijk')),
    region_codes  TEXT NOT NULL,                  -- space separated, sorted
    period_from   TEXT,                           -- CBS year code; NULL = no lower bound
    period_to     TEXT,                           -- CBS year code; NULL = no upper bound
    title         TEXT NOT NULL,
    what_we_see   TEXT NOT NULL,
    explanation   TEXT NOT NULL,
    next_steps    TEXT NOT NULL,
    links_json    TEXT NOT NULL,                  -- [{"title", "url", "kind"}]
    marker_period TEXT,
    marker_label  TEXT,
    written_by    TEXT NOT NULL,                  -- author of this text (copied on state changes)
    written_at    TEXT NOT NULL,
    saved_by      TEXT NOT NULL,                  -- who made this revision (edit or state change)
    saved_at      TEXT NOT NULL,
    PRIMARY KEY (note_id, revision)               -- second guard: two saves of the same revision cannot both land
);

CREATE INDEX note_revisions_lookup ON note_revisions (law, indicator_id);
CREATE INDEX notes_law_indicator ON notes (law, indicator_id);
