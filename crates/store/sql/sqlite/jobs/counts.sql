SELECT kind, state, count(*), sum(last_error IS NOT NULL) FROM jobs WHERE (?1 IS NULL OR run_id = ?1)
GROUP BY kind, state ORDER BY kind
