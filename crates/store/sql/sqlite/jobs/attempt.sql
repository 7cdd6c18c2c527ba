SELECT state, attempts, max_attempts, worker FROM jobs WHERE id = ?1
