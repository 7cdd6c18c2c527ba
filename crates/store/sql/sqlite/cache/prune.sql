-- Pages fetched before ?1 (unix seconds), ?2 at most.
DELETE FROM pages WHERE url IN (SELECT url FROM pages WHERE fetched_at < ?1 LIMIT ?2)
