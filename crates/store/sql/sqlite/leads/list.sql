-- The listing's inner select; `listing::where_sql` and `ORDER_SQL` follow, the rank placeholder is `listing::RANK_SQL`.
-- A score that is not a JSON number reads as no score (as on PostgreSQL), and always as a REAL, so the
-- value a cursor carries compares equal to the row it came from.
SELECT id, data, source_rows, created_at, score, tier, crawl, deleted_at FROM (
    SELECT q.*, {rank} AS listing_rank FROM (
        SELECT l.id, l.data, l.source_rows, l.created_at, l.deleted_at, l.company, l.domain,
               CASE WHEN json_type(s.data, '$.score') IN ('integer', 'real')
                    THEN CAST(json_extract(s.data, '$.score') AS REAL) END AS score,
               json_extract(s.data, '$.tier') AS tier, c.status AS crawl
        FROM leads l
        LEFT JOIN stage_results s ON s.lead_id = l.id AND s.stage = 'score'
        LEFT JOIN stage_results c ON c.lead_id = l.id AND c.stage = 'crawl') q) r
