-- A version-7 bgtaskd store with a few rows: `sqlite3 bgtaskd.db .dump` of the version-6 fixture
-- after migration 7, with the learned usage of one app (23 opens, weekdays at 08:10). .dump does
-- not carry PRAGMA user_version, hence the first statement. Never edit: it is what v7 files look
-- like.
PRAGMA user_version=7;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    app              TEXT    NOT NULL,
    identifier       TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    submitted_at     INTEGER NOT NULL,
    earliest_begin   INTEGER NULL,
    requires_network INTEGER NULL,
    requires_power   INTEGER NULL,
    protection       TEXT    NULL,
    title            TEXT    NULL,
    subtitle         TEXT    NULL,
    strategy         TEXT    NULL,
    resources        TEXT    NULL,
    network_type     TEXT    NULL,
    battery_not_low  INTEGER NULL, repeat_interval INTEGER NULL, flex INTEGER NULL, randomized_delay INTEGER NULL, backoff_delay INTEGER NULL, max_backoff_delay INTEGER NULL,
    UNIQUE (app, identifier)
) STRICT;
INSERT INTO requests VALUES(2,'org.example.news','org.example.news.refresh','app-refresh',1767225900000000,1767232800000000,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO requests VALUES(3,'org.example.photos','org.example.photos.backup','processing',1767225960000000,NULL,1,0,'complete-unless-open',NULL,NULL,NULL,NULL,'unmetered',1,NULL,NULL,NULL,NULL,NULL);
INSERT INTO requests VALUES(5,'org.example.backup','org.example.backup.nightly','processing',1767229200000000,1767310200000000,NULL,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,86400000000,7200000000,1800000000,60000000,3600000000);
CREATE TABLE runs (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    app                  TEXT    NOT NULL,
    identifier           TEXT    NOT NULL,
    kind                 TEXT    NOT NULL,
    request_submitted_at INTEGER NOT NULL,
    earliest_begin       INTEGER NULL,
    requires_network     INTEGER NULL,
    requires_power       INTEGER NULL,
    protection           TEXT    NULL,
    title                TEXT    NULL,
    subtitle             TEXT    NULL,
    strategy             TEXT    NULL,
    resources            TEXT    NULL,
    network_type         TEXT    NULL,
    battery_not_low      INTEGER NULL,
    started_at           INTEGER NOT NULL,
    deadline             INTEGER NULL,
    ended_at             INTEGER NULL,
    outcome              TEXT    NULL,
    reason               TEXT    NOT NULL DEFAULT '',
    simulated            INTEGER NOT NULL DEFAULT 0
, cpu_nsec INTEGER NULL, memory_peak_bytes INTEGER NULL, io_read_bytes INTEGER NULL, io_write_bytes INTEGER NULL, end_cause TEXT NULL, repeat_interval INTEGER NULL, flex INTEGER NULL, randomized_delay INTEGER NULL, backoff_delay INTEGER NULL, max_backoff_delay INTEGER NULL, coalesce_group INTEGER NULL) STRICT;
INSERT INTO runs VALUES(1,'org.example.health','org.example.health.study','health-research',1767226020000000,NULL,NULL,1,'complete',NULL,NULL,NULL,NULL,NULL,NULL,1767226080000000,1767226680000000,1767226140000000,'completed','',0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO runs VALUES(2,'org.example.news','org.example.news.refresh','app-refresh',1767225900000000,1767232800000000,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1767226200000000,1767226230000000,1767226231000000,'expired','time limit reached',1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO runs VALUES(3,'org.example.photos','org.example.photos.export.1','continued-processing',1767226260000000,NULL,NULL,NULL,NULL,'Exporting 12 photos','','fail','gpu',NULL,NULL,1767226260000000,NULL,NULL,NULL,'',0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO runs VALUES(4,'org.example.photos','org.example.photos.export.2','continued-processing',1767226320000000,NULL,NULL,NULL,NULL,'Réglages ✓ "quoted"; semi',NULL,'queue','',NULL,NULL,1767226320000000,1767228120000000,NULL,NULL,'',0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO runs VALUES(5,'org.example.news','org.example.news.refresh','app-refresh',1767226900000000,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1767227000000000,1767227030000000,1767227060000000,'terminated','grace period ended without completion',0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO runs VALUES(6,'org.example.aptdaily','org.example.aptdaily.update','processing',1767227100000000,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1767227200000000,NULL,1767227260000000,'failed','oom-kill',0,2500000000,104857600,4096,NULL,'oom-kill',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO runs VALUES(7,'org.example.backup','org.example.backup.upload','processing',1767229300000000,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1767229400000000,1767230000000000,NULL,NULL,'',0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,20000000,NULL,NULL);
INSERT INTO runs VALUES(8,'org.example.news','org.example.news.sync','processing',1767229000000000,NULL,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1767229500000000,NULL,1767229510000000,'completed','',0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,8);
INSERT INTO runs VALUES(9,'org.example.backup','org.example.backup.sync','processing',1767229100000000,NULL,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1767229500000000,NULL,1767229520000000,'completed','',0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,8);
CREATE TABLE policy (
    app       TEXT    NOT NULL PRIMARY KEY,
    refresh   INTEGER NULL CHECK (refresh IN (0, 1)),
    continued INTEGER NULL CHECK (continued IN (0, 1))
) STRICT;
INSERT INTO policy VALUES('',0,NULL);
INSERT INTO policy VALUES('org.example.news',1,NULL);
INSERT INTO policy VALUES('org.example.photos',NULL,0);
CREATE TABLE schedules (
    app          TEXT    NOT NULL,
    identifier   TEXT    NOT NULL,
    source       TEXT    NOT NULL CHECK (source IN ('manifest', 'app')),
    period_start INTEGER NULL,
    last_success INTEGER NULL,
    last_end     INTEGER NULL,
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    PRIMARY KEY (app, identifier)
) STRICT;
INSERT INTO schedules VALUES('org.example.backup','org.example.backup.nightly','app',1767223800000000,1767223800000000,1767229000000000,2);
INSERT INTO schedules VALUES('org.example.backup','org.example.backup.upload','app',NULL,NULL,NULL,0);
INSERT INTO schedules VALUES('org.example.news','org.example.news.refresh','manifest',NULL,NULL,NULL,0);
CREATE TABLE notifications (
    owner      TEXT    NOT NULL,
    id         INTEGER NOT NULL CHECK (id > 0),
    app        TEXT    NOT NULL,
    identifier TEXT    NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO notifications VALUES(':1.7',3,'org.example.photos','org.example.photos.export.1');
INSERT INTO notifications VALUES(':1.7',4,'org.example.photos','org.example.photos.export.2');
CREATE TABLE usage_patterns (
    app        TEXT    PRIMARY KEY,
    opens      INTEGER NOT NULL CHECK (opens >= 0),
    decayed_at INTEGER NOT NULL,
    weights    TEXT    NOT NULL,
    minutes    TEXT    NOT NULL
) STRICT;
INSERT INTO usage_patterns VALUES('org.example.news',23,1767229000000000,'0 0 0 0 0 0 0 0 4.5999999999999996 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4.5999999999999996 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4.5999999999999996 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4.5999999999999996 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4.5999999999999996 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0','0 0 0 0 0 0 0 0 46 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 46 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 46 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 46 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 46 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('requests',5);
INSERT INTO sqlite_sequence VALUES('runs',9);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_app ON runs (app, started_at);
CREATE INDEX runs_unfinished ON runs (started_at) WHERE outcome IS NULL;
COMMIT;
