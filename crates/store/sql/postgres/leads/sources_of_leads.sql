SELECT s.lead_id, s.import_id, i.source, s.line, s.raw, s.matched_on
FROM lead_sources s JOIN imports i ON i.id = s.import_id
WHERE s.lead_id = ANY($1) ORDER BY s.lead_id, s.id
