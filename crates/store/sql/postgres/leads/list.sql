-- The listing's inner select; `listing::where_sql`, `ORDER_SQL` and the limit follow, the rank placeholder is
-- `listing::RANK_SQL`. Nested selects so the conditions and the order can name `score`, `tier` and the
-- rank. A score that is not a JSON number reads as no score instead of failing the whole listing.
SELECT id, data, source_rows, created_at, score, tier, crawl, deleted_at FROM (
    SELECT q.*, {rank} AS listing_rank FROM (
        SELECT l.id, l.data, l.source_rows, l.created_at, l.deleted_at, l.company, l.domain,
               CASE WHEN jsonb_typeof(s.data -> 'score') = 'number' THEN (s.data ->> 'score')::float8 END
                   AS score,
               s.data ->> 'tier' AS tier, c.status AS crawl
        FROM leads l
        LEFT JOIN stage_results s ON s.lead_id = l.id AND s.stage = 'score'
        LEFT JOIN stage_results c ON c.lead_id = l.id AND c.stage = 'crawl') q) r
