-- Hotline.Ops schema for Orleans ADO.NET grain persistence on SQLite (invariant "System.Data.SQLite",
-- served by Microsoft.Data.Sqlite). Only persistence: the embedded setup uses localhost clustering
-- and in-memory reminders. Idempotent: SchemaInstaller runs it at every start.

-- WAL is a property of the database file (it persists), so setting it here once is enough:
-- readers no longer block the single writer. SchemaInstaller runs this outside a transaction,
-- where journal_mode can be changed.
PRAGMA page_size = 8192;
PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

-- GrainIdExtensionString is '' rather than NULL so the key (and ON CONFLICT) treats "no extension"
-- as one value; SQLite unique constraints consider NULLs distinct.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NOT NULL DEFAULT '',
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    Version                INTEGER NOT NULL,
    -- The provider's key, ordered by grain type and then the grain's own key rather than its hash: tickets are
    -- numbered as they arrive, so new keys go to the end of the index (a few pages per commit) instead of one random
    -- page each (profiled: page writes and splits were most of the writer's time). Lookups give every column, so the
    -- order changes nothing else. A rowid table with the key as a unique index, not a WITHOUT ROWID table: an update
    -- rewrites the row in its table page and leaves the index (keys only) alone; a WITHOUT ROWID table keeps each
    -- ~1.4 KB row beside its long key in the key's own b-tree. February's replay left a quarter fewer pages, wrote 2.4 GB
    -- to disk instead of 3.4 and took 13 % less time (bench/FINDINGS.md item 42). A database created before keeps its
    -- layout and works the same, more slowly.
    UNIQUE (GrainTypeHash, GrainIdExtensionString, GrainIdN0, GrainIdN1,
            GrainTypeString, ServiceId, GrainIdHash)
);

-- Queries read by Orleans.Persistence.AdoNet 10.4.2 (parameter names are the ones it binds).
-- Write and clear report the new version through changes() of the statement before: NULL (no row
-- changed) becomes an InconsistentStateException in Orleans. One grain activation is the only
-- writer of its row, so nothing can slip in between the two statements of one command.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', '
SELECT PayloadBinary, Version FROM OrleansStorage
 WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
   AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''');
'),
-- NULL version = first write (insert); otherwise the stored row must carry that version. The EXISTS
-- guard keeps a write with a stale version from re-creating a row that is gone.
('WriteToStorageKey', '
PRAGMA synchronous = NORMAL;
INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                            GrainIdExtensionString, ServiceId, PayloadBinary, Version)
SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
       COALESCE(@GrainIdExtensionString, ''''), @ServiceId, @PayloadBinary, 1
 WHERE @GrainStateVersion IS NULL
    OR EXISTS (SELECT 1 FROM OrleansStorage e
                WHERE e.GrainIdHash = @GrainIdHash AND e.GrainTypeHash = @GrainTypeHash
                  AND e.ServiceId = @ServiceId AND e.GrainIdN0 = @GrainIdN0 AND e.GrainIdN1 = @GrainIdN1
                  AND e.GrainTypeString = @GrainTypeString
                  AND e.GrainIdExtensionString = COALESCE(@GrainIdExtensionString, ''''))
ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
DO UPDATE SET PayloadBinary = excluded.PayloadBinary, Version = OrleansStorage.Version + 1,
              ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
        WHERE OrleansStorage.Version = @GrainStateVersion;
SELECT CASE WHEN changes() > 0 THEN COALESCE(@GrainStateVersion + 1, 1) END AS NewGrainStateVersion;
'),
-- Clearing keeps the row (payload NULL) so the version keeps growing across clear/write cycles.
('ClearStorageKey', '
PRAGMA synchronous = NORMAL;
UPDATE OrleansStorage
   SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
 WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
   AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
   AND Version = @GrainStateVersion;
SELECT CASE WHEN changes() > 0 THEN @GrainStateVersion + 1 END AS NewGrainStateVersion;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
