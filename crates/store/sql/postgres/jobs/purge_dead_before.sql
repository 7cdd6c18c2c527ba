DELETE FROM jobs WHERE state = 'dead' AND updated_at < $1
