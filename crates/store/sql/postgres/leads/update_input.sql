UPDATE leads SET data = $1, company = $2, domain = $3, updated_at = $4
WHERE id = $5
