UPDATE leads SET data = $1, company = $2, domain = $3, source_rows = source_rows + 1, updated_at = $4,
                 deleted_at = NULL
WHERE id = $5
