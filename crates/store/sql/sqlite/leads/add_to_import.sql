UPDATE imports SET rows_read = rows_read + ?1, imported = imported + ?2, merged = merged + ?3,
                   unchanged = unchanged + ?4
WHERE id = ?5
