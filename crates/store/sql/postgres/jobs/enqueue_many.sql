INSERT INTO jobs (kind, lead_id, run_id, payload, unique_key, state, priority, max_attempts, run_at,
                  created_at, updated_at)
SELECT k, l, r, p, u, 'ready', pr, ma, ra, $9, $9
FROM unnest($1::text[], $2::int8[], $3::int8[], $4::jsonb[], $5::text[], $6::int4[], $7::int4[], $8::int8[])
     AS t(k, l, r, p, u, pr, ma, ra)
ON CONFLICT (unique_key) DO NOTHING
