-- Schema version 6: the leads each streamed import's rows went into, so a run can queue the leads of a file
-- of any size a page at a time instead of holding their ids.
CREATE TABLE import_leads (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    lead_id   INTEGER NOT NULL,
    PRIMARY KEY (import_id, lead_id)
) WITHOUT ROWID;
