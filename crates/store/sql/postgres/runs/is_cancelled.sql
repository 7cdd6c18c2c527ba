SELECT status = 'cancelled' FROM runs WHERE id = $1 FOR KEY SHARE
