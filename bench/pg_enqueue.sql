INSERT INTO q (payload) VALUES ('{"i": 1}');
