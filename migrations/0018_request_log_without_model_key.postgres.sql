-- SQLite's request log drops its foreign key to models here; Postgres dropped its own in 0003.
SELECT 1;
