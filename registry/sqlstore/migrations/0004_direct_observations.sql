-- A file's rows now go straight into observations while the file is
-- loading, sorted by service a run at a time, instead of being staged in
-- observation_loads and sorted into observations when the scan closes.
-- They count only once their file is 'done', as before, and no reader
-- sees them before the scan is closed. Aborting or reaping a file
-- deletes them by walking observations from the file's first_row, a
-- bound below the ids of all its rows that its first transaction
-- records (ids only grow; an index on file_id would cost every insert).
-- A loader merges what it can among the rows of a run, and closing
-- merges only the services that more than one row still describes
-- (sqlstore's mergeService), a page at a time: meanwhile the scan is
-- 'closing' (it takes no more files, readers see it as importing), and
-- a close that dies midway is finished by the next.
ALTER TABLE scan_files ADD COLUMN first_row BIGINT;

-- runs: the ranges of services (as JSON, see keyRange in scanrun.go)
-- within which a file's rows leave nothing to merge among themselves.
-- Closing checks only where the ranges of a scan's files overlap, and
-- the whole of a file with rows but no ranges (written before this).
ALTER TABLE scan_files ADD COLUMN runs TEXT NOT NULL DEFAULT '';

-- Files already committed into scans still importing keep their rows:
-- they are unpacked from the 0002 record layout (record.go) into
-- observations, in index order, where closing merges them like any
-- others; a last time no later than the first is left out, as loaders
-- now leave it out. Staged rows
-- of files not done are dropped with the table: their loaders died in
-- the upgrade, and the next BeginFile or CloseScan reaps the file. Staged
-- rows of closed scans were already merged.
INSERT INTO observations (scan_id, file_id, ip, ip_sort, transport, port, protocol, tls, digest, observed, observed_last, fields)
SELECT f.scan_id, l.file_id, rtrim(substr(l.rec, 139, 39)), rtrim(substr(l.rec, 1, 33)), substr(l.rec, 34, 3),
    CAST(substr(l.rec, 37, 5) AS INTEGER), rtrim(substr(l.rec, 178, 24)), substr(l.rec, 74, 1) = '1', substr(l.rec, 42, 32),
    {{.TextAsTime "substr(l.rec, 75, 32)"}},
    {{.TextAsTime "CASE WHEN substr(l.rec, 107, 32) > substr(l.rec, 75, 32) THEN substr(l.rec, 107, 32) END"}},
    substr(l.rec, 202)
FROM observation_loads l JOIN scan_files f ON f.id = l.file_id JOIN scans s ON s.id = f.scan_id
WHERE f.state = 'done' AND s.state = 'importing'
ORDER BY substr(l.rec, 1, 41), l.id;

DROP TABLE observation_loads;
