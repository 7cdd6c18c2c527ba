INSERT INTO stage_results (lead_id, stage, status, data, job_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (lead_id, stage) DO UPDATE SET status = excluded.status, data = excluded.data,
    job_id = excluded.job_id, updated_at = excluded.updated_at
