UPDATE imports SET imported = ?1, merged = ?2, unchanged = ?3 WHERE id = ?4
