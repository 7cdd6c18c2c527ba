SELECT run_id FROM jobs WHERE id = ?1
