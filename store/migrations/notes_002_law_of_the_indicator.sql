-- Notes and markers follow the law their figure moved to (issue 20), as the council documents file them:
-- Veilig Thuis under the Wmo, jeugdbescherming and jeugdreclassering under the Jeugdwet; the law "veiligheid"
-- and its page are gone. Early school leaving (education), WW and AO (paid by UWV) moved to context.
-- A marker for every figure of "veiligheid" (no indicator) goes to the Jeugd page, where three of its five
-- figures went. Heads and every revision change together, so the history keeps one law per note.
-- Dossiers hold indicator ids and copies of note texts, no law, and goals live in the catalogue: nothing to move.

UPDATE notes SET law = 'wmo'
    WHERE law = 'veiligheid' AND indicator_id IN ('veilig_thuis_reports', 'veilig_thuis_reports_per_1000');
UPDATE note_revisions SET law = 'wmo'
    WHERE law = 'veiligheid' AND indicator_id IN ('veilig_thuis_reports', 'veilig_thuis_reports_per_1000');
UPDATE notes SET law = 'jeugd' WHERE law = 'veiligheid';
UPDATE note_revisions SET law = 'jeugd' WHERE law = 'veiligheid';
UPDATE notes SET law = 'context'
    WHERE indicator_id IN ('early_school_leavers_pct', 'ww_per_1000', 'ww_persons', 'ao_per_1000', 'ao_persons');
UPDATE note_revisions SET law = 'context'
    WHERE indicator_id IN ('early_school_leavers_pct', 'ww_per_1000', 'ww_persons', 'ao_per_1000', 'ao_persons');
