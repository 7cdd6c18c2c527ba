UPDATE runs SET status = ?1, finished_at = ?2 WHERE id = ?3 AND status = 'running'
