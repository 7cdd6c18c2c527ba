SELECT fetched_at, data FROM pages WHERE md5(url) = md5($1) AND url = $1
