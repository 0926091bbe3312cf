-- Hotline.Ops schema for Orleans ADO.NET providers on PostgreSQL (invariant "Npgsql").
-- Covers clustering, grain persistence and reminders. Idempotent: SchemaInstaller runs it at
-- every start under an advisory lock. Changing a table shape later needs an explicit migration
-- step here (ALTER ... IF NOT EXISTS), never a DROP.
--
-- Identifiers are unquoted (folded to lower case) because Orleans reads
-- "SELECT QueryKey, QueryText FROM OrleansQuery" unquoted and Npgsql matches column names
-- case-insensitively. All timestamps are timestamptz: Orleans passes UTC DateTimes, which
-- Npgsql sends as timestamptz, so no session time zone is ever involved.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- ---------------------------------------------------------------- clustering

-- One row per cluster (DeploymentId = ClusterId); Version is the membership table's ETag.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL PRIMARY KEY,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer      NULL,
    SuspectTimes text         NULL,
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

-- Insert a silo row and bump the table version, but only if the caller's version is current.
-- The version row is locked first, so the check and both writes are one atomic step.
CREATE OR REPLACE FUNCTION hotline_insert_membership(
    p_deployment_id text, p_iamalive timestamptz, p_silo_name text, p_host_name text,
    p_address text, p_port integer, p_generation integer, p_start timestamptz,
    p_status integer, p_proxy_port integer, p_version integer)
RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
    current_version integer;
    inserted integer;
BEGIN
    SELECT v.Version INTO current_version FROM OrleansMembershipVersionTable v
     WHERE v.DeploymentId = p_deployment_id FOR UPDATE;
    IF current_version IS DISTINCT FROM p_version THEN
        RETURN false;
    END IF;
    INSERT INTO OrleansMembershipTable (DeploymentId, Address, Port, Generation, SiloName, HostName,
                                        Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
            p_status, p_proxy_port, p_start, p_iamalive)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted = 0 THEN
        RETURN false;
    END IF;
    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now()
     WHERE DeploymentId = p_deployment_id;
    RETURN true;
END
$fn$;

CREATE OR REPLACE FUNCTION hotline_update_membership(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_iamalive timestamptz, p_status integer, p_suspect_times text, p_version integer)
RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
    current_version integer;
BEGIN
    SELECT v.Version INTO current_version FROM OrleansMembershipVersionTable v
     WHERE v.DeploymentId = p_deployment_id FOR UPDATE;
    IF current_version IS DISTINCT FROM p_version THEN
        RETURN false;
    END IF;
    UPDATE OrleansMembershipTable
       SET IAmAliveTime = p_iamalive, Status = p_status, SuspectTimes = p_suspect_times
     WHERE DeploymentId = p_deployment_id AND Address = p_address
       AND Port = p_port AND Generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now()
     WHERE DeploymentId = p_deployment_id;
    RETURN true;
END
$fn$;

-- ---------------------------------------------------------------- grain persistence

-- GrainIdExtensionString is stored as '' instead of NULL so it can be part of the primary key
-- (and of ON CONFLICT); PostgreSQL 15's NULLS NOT DISTINCT would not help older servers.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NOT NULL DEFAULT '',
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL DEFAULT now(),
    Version                integer     NOT NULL,
    -- The provider's columns, ordered by grain type and then the grain's own key rather than its hash: tickets are
    -- numbered as they arrive, so new rows go to the end of the key range (a few pages per commit) instead of one
    -- random page each (profiled: page writes and splits were most of the writer's time). Lookups give every
    -- column, so the order changes nothing else. A database created with the old order keeps it and works the same.
    PRIMARY KEY (GrainTypeHash, GrainIdExtensionString, GrainIdN0, GrainIdN1,
                 GrainTypeString, ServiceId, GrainIdHash)
);

-- ---------------------------------------------------------------- reminders

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(150) NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS ix_orleansreminderstable_hash ON OrleansRemindersTable (ServiceId, GrainHash);

-- ---------------------------------------------------------------- queries read by the providers
-- Parameter names (@Name) are the ones Orleans 10.4.2 binds; every parameter is cast so that a
-- NULL value still has a type. Each query Orleans reads through GetSingleBooleanValue must
-- return exactly one column.

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
-- clustering
('InsertMembershipVersionKey', $q$
WITH ins AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId::text)
    ON CONFLICT DO NOTHING RETURNING 1)
SELECT EXISTS (SELECT 1 FROM ins);
$q$),
('MembershipReadAllKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
  FROM OrleansMembershipVersionTable v
  LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
 WHERE v.DeploymentId = @DeploymentId::text;
$q$),
('MembershipReadRowKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
  FROM OrleansMembershipVersionTable v
  LEFT JOIN OrleansMembershipTable m
         ON m.DeploymentId = v.DeploymentId AND m.Address = @Address::text
        AND m.Port = @Port::integer AND m.Generation = @Generation::integer
 WHERE v.DeploymentId = @DeploymentId::text;
$q$),
('InsertMembershipKey', $q$
SELECT hotline_insert_membership(@DeploymentId::text, @IAmAliveTime::timestamptz, @SiloName::text,
    @HostName::text, @Address::text, @Port::integer, @Generation::integer, @StartTime::timestamptz,
    @Status::integer, @ProxyPort::integer, @Version::integer);
$q$),
('UpdateMembershipKey', $q$
SELECT hotline_update_membership(@DeploymentId::text, @Address::text, @Port::integer,
    @Generation::integer, @IAmAliveTime::timestamptz, @Status::integer, @SuspectTimes::text,
    @Version::integer);
$q$),
('UpdateIAmAlivetimeKey', $q$
UPDATE OrleansMembershipTable SET IAmAliveTime = @IAmAliveTime::timestamptz
 WHERE DeploymentId = @DeploymentId::text AND Address = @Address::text
   AND Port = @Port::integer AND Generation = @Generation::integer;
$q$),
('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId::text AND Status = @Status::integer AND ProxyPort > 0;
$q$),
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId::text;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId::text;
$q$),
-- Status 3 = Active: only silos that stopped being active and went quiet are removed.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId::text AND IAmAliveTime < @IAmAliveTime::timestamptz
   AND Status <> 3;
$q$),
-- grain persistence
('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version FROM OrleansStorage
 WHERE GrainIdHash = @GrainIdHash::integer AND GrainTypeHash = @GrainTypeHash::integer
   AND ServiceId = @ServiceId::text AND GrainIdN0 = @GrainIdN0::bigint
   AND GrainIdN1 = @GrainIdN1::bigint AND GrainTypeString = @GrainTypeString::text
   AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString::text, '');
$q$),
-- Optimistic concurrency in one statement: a NULL version means "first write" (insert); otherwise
-- the row must still carry that version. Any other case returns NULL, which Orleans turns into
-- an InconsistentStateException. The EXISTS guard stops a write with a stale version from
-- re-creating a row that is gone.
('WriteToStorageKey', $q$
WITH written AS (
    INSERT INTO OrleansStorage AS s (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                     GrainIdExtensionString, ServiceId, PayloadBinary, Version)
    SELECT @GrainIdHash::integer, @GrainIdN0::bigint, @GrainIdN1::bigint, @GrainTypeHash::integer,
           @GrainTypeString::text, COALESCE(@GrainIdExtensionString::text, ''), @ServiceId::text,
           @PayloadBinary::bytea, 1
     WHERE @GrainStateVersion::integer IS NULL
        OR EXISTS (SELECT 1 FROM OrleansStorage e
                    WHERE e.GrainIdHash = @GrainIdHash::integer AND e.GrainTypeHash = @GrainTypeHash::integer
                      AND e.ServiceId = @ServiceId::text AND e.GrainIdN0 = @GrainIdN0::bigint
                      AND e.GrainIdN1 = @GrainIdN1::bigint AND e.GrainTypeString = @GrainTypeString::text
                      AND e.GrainIdExtensionString = COALESCE(@GrainIdExtensionString::text, ''))
    ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
    DO UPDATE SET PayloadBinary = EXCLUDED.PayloadBinary, Version = s.Version + 1, ModifiedOn = now()
         WHERE s.Version = @GrainStateVersion::integer
    RETURNING s.Version)
SELECT (SELECT Version FROM written) AS NewGrainStateVersion;
$q$),
-- Clearing keeps the row (payload NULL) so the version keeps growing across clear/write cycles.
('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE OrleansStorage SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = now()
     WHERE GrainIdHash = @GrainIdHash::integer AND GrainTypeHash = @GrainTypeHash::integer
       AND ServiceId = @ServiceId::text AND GrainIdN0 = @GrainIdN0::bigint
       AND GrainIdN1 = @GrainIdN1::bigint AND GrainTypeString = @GrainTypeString::text
       AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString::text, '')
       AND Version = @GrainStateVersion::integer
    RETURNING Version)
SELECT (SELECT Version FROM cleared) AS NewGrainStateVersion;
$q$),
-- reminders
('ReadReminderRowsKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId::text AND GrainId = @GrainId::text;
$q$),
('ReadReminderRowKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId::text AND GrainId = @GrainId::text AND ReminderName = @ReminderName::text;
$q$),
-- Hash ranges are (Begin, End] on the ring, compared as signed ints exactly as Orleans passes
-- them; Rows1 is the non-wrapping case, Rows2 the wrapping one.
('ReadRangeRows1Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId::text AND GrainHash > @BeginHash::integer AND GrainHash <= @EndHash::integer;
$q$),
('ReadRangeRows2Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId::text AND (GrainHash > @BeginHash::integer OR GrainHash <= @EndHash::integer);
$q$),
('UpsertReminderRowKey', $q$
INSERT INTO OrleansRemindersTable AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId::text, @GrainId::text, @ReminderName::text, @StartTime::timestamptz,
        @Period::bigint, @GrainHash::integer, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName)
DO UPDATE SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period,
              GrainHash = EXCLUDED.GrainHash, Version = r.Version + 1
RETURNING Version;
$q$),
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId::text AND GrainId = @GrainId::text
       AND ReminderName = @ReminderName::text AND Version = @Version::integer
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM deleted);
$q$),
('DeleteReminderRowsKey', $q$
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId::text;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- ---------------------------------------------------------------- API tokens (every silo of a cluster accepts the same)
-- Generated tokens when none are configured: holder is a role ('admin', 'lead', 'wall', 'feeder') or 'unit:{unitId}'.
-- Silos starting together each insert their candidates with ON CONFLICT DO NOTHING and read the table back, so the
-- first insert wins and all agree.
CREATE TABLE IF NOT EXISTS hotline_tokens
(
    holder     text        NOT NULL PRIMARY KEY,
    token      text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
