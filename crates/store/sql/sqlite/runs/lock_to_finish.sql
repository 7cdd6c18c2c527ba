-- SQLite has one writer at a time: the write transaction finishing the run already excludes the others.
SELECT status FROM runs WHERE id = ?1
