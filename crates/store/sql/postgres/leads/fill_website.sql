UPDATE leads SET data = jsonb_set(data, '{website}', to_jsonb($1::text)), updated_at = $2
WHERE id = $3 AND data->>'website' IS NULL
