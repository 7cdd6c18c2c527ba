-- Schema version 6 (as migrations/sqlite/0006_import_leads.sql): the leads each streamed import's rows went
-- into, so a run can queue the leads of a file of any size a page at a time instead of holding their ids.
CREATE TABLE import_leads (
    import_id BIGINT NOT NULL REFERENCES imports(id),
    lead_id   BIGINT NOT NULL,
    PRIMARY KEY (import_id, lead_id)
);
