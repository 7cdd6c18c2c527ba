UPDATE leads SET data = json_set(data, '$.website', ?1), updated_at = ?2
WHERE id = ?3 AND json_extract(data, '$.website') IS NULL
