-- Finishers of one run take turns (rules::jobs::finish_runs). NO KEY UPDATE: it does not wait for the key
-- share locks completions take to check for cancellation, while `cancel_run`'s FOR UPDATE still excludes it.
SELECT status FROM runs WHERE id = $1 FOR NO KEY UPDATE
