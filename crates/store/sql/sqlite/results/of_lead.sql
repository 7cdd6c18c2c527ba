SELECT lead_id, stage, status, data, job_id, updated_at FROM stage_results
WHERE lead_id = ?1 AND (?2 IS NULL OR stage = ?2) ORDER BY updated_at, stage
