INSERT INTO q (payload) SELECT '{"i": 1}' FROM generate_series(1, 100);
