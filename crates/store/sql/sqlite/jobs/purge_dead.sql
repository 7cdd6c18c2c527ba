DELETE FROM jobs WHERE state = 'dead' AND (?1 IS NULL OR updated_at < ?1)
