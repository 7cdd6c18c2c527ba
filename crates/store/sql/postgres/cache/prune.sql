-- Pages fetched before $1 (unix seconds), $2 at most. By ctid: a page fetched again meanwhile is a new row
-- version, which the delete then skips.
DELETE FROM pages WHERE ctid IN (SELECT ctid FROM pages WHERE fetched_at < $1 LIMIT $2)
