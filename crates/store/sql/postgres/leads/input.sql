SELECT data FROM leads WHERE id = $1
