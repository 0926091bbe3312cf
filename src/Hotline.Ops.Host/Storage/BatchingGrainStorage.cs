using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Hotline.Ops.Host.Storage;

/// <summary>
/// Grain storage whose writes are group-committed: every grain write or clear waiting at the moment goes into one
/// database transaction (one fsync, one round trip on PostgreSQL), and each caller's task completes only after that
/// transaction committed. Measured: one ticket write per event through the ADO.NET provider cost ~1.1 ms on SQLite,
/// which capped ingest at ~1,000 events/s (bench/RESULTS.md).
/// Rows, keys and versions are exactly those of Orleans' ADO.NET provider on our schema (deploy/sql): the key columns
/// and hashes are computed as it computes them (its own hash picker), reads still go through it, and a write still
/// carries the version it read, so a stale or blind write is an <see cref="InconsistentStateException"/> as before.
/// Serialization happens on the grain's turn, before the write is queued. Reads go through the same store's own
/// connections and prepared statement (profiled: a new ticket's read of its absent row through the provider's
/// generic path, a pooled connection and a statement parsed per call, was ~17 % of the server's time under ingest).
/// </summary>
public sealed class BatchingGrainStorage : IGrainStorage, IAsyncDisposable
{
    private readonly AdoNetGrainStorage _inner;
    private readonly string _serviceId;
    private readonly string _providerName;
    private readonly GrainRowStore _batcher;
    private readonly IActivatorProvider _activators;

    public BatchingGrainStorage(AdoNetGrainStorage inner, string serviceId, string providerName, GrainRowStore batcher, IActivatorProvider activators)
    {
        _inner = inner;
        _serviceId = serviceId;
        _providerName = providerName;
        _batcher = batcher;
        _activators = activators;
    }

    /// <summary>As Orleans' provider reads (StorageConformance): no row is no ETag and a new state; a cleared row keeps
    /// its version as the ETag but does not exist.</summary>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var (found, payload, version) = await _batcher.ReadAsync(Row(stateName, grainId, grainState, null, null, clear: false));
        var state = payload is null ? default : _inner.Serializer.Deserialize<T>(new BinaryData(payload));
        grainState.State = state ?? _activators.GetActivator<T>().Create();
        grainState.ETag = found ? version.ToString(CultureInfo.InvariantCulture) : null;
        grainState.RecordExists = payload is not null;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _inner.Serializer.Serialize(grainState.State).ToArray();
        var expected = Version(grainState.ETag);
        var written = await _batcher.Enqueue(Row(stateName, grainId, grainState, expected, payload, clear: false));
        grainState.ETag = Check("WriteState", stateName, grainId, grainState.ETag, written);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // As Orleans' provider: a state never read is read first, and nothing stored means nothing to clear.
        if (!grainState.RecordExists)
        {
            await ReadStateAsync(stateName, grainId, grainState);
            if (!grainState.RecordExists) return;
        }
        var cleared = await _batcher.Enqueue(Row(stateName, grainId, grainState, Version(grainState.ETag), null, clear: true));
        grainState.ETag = Check("ClearState", stateName, grainId, grainState.ETag, cleared);
        grainState.RecordExists = false;
        grainState.State = _activators.GetActivator<T>().Create();
    }

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();

    private static int? Version(string? etag) =>
        string.IsNullOrWhiteSpace(etag) ? null : int.Parse(etag, CultureInfo.InvariantCulture);

    private string Check(string operation, string stateName, GrainId grainId, string? etag, int? stored) =>
        stored?.ToString(CultureInfo.InvariantCulture)
        ?? throw new InconsistentStateException(
            $"Version conflict ({operation}): ServiceId={_serviceId} ProviderName={_providerName} GrainType={stateName} GrainId={grainId} ETag={etag}.");

    /// <summary>The row key as Orleans' ADO.NET provider forms it (AdoGrainKey and its hash picker).</summary>
    private GrainRowWrite Row<T>(string stateName, GrainId grainId, IGrainState<T> grainState, int? expected, byte[]? payload, bool clear)
    {
        if (stateName.Contains('`'))
            throw new NotSupportedException($"state name '{stateName}' looks like a generic type name; use a plain state name");
        long n0 = 0, n1 = 0;
        string? extension;
        byte[] hashBytes;
        if (grainId.TryGetGuidKey(out var guid, out extension))
        {
            var g = guid.ToByteArray();
            n0 = BitConverter.ToInt64(g, 0);
            n1 = BitConverter.ToInt64(g, 8);
            hashBytes = WithExtension(g, extension);
        }
        else if (grainId.TryGetIntegerKey(out var integer, out extension))
        {
            n1 = integer;
            hashBytes = WithExtension(BitConverter.GetBytes(integer), extension);
        }
        else
        {
            extension = grainId.Key.ToString();
            hashBytes = Encoding.UTF8.GetBytes(extension);
        }
        if (BitConverter.IsLittleEndian) Array.Reverse(hashBytes);
        var hasher = _inner.HashPicker.PickHasher(_serviceId, _providerName, stateName, grainId, grainState)
            ?? throw new InvalidOperationException("the ADO.NET provider picked no hasher");
        return new GrainRowWrite(
            hasher.Hash(hashBytes), n0, n1, hasher.Hash(Encoding.UTF8.GetBytes(stateName)), stateName, extension ?? "",
            _serviceId, expected, payload, clear);

        static byte[] WithExtension(byte[] key, string? extension) =>
            extension is null ? key : [.. key, .. Encoding.UTF8.GetBytes(extension)];
    }
}

/// <summary>One grain row to write (payload) or clear, with the version the grain holds (null: never stored).</summary>
public sealed record GrainRowWrite(
    int GrainIdHash, long N0, long N1, int GrainTypeHash, string GrainType, string Extension, string ServiceId,
    int? ExpectedVersion, byte[]? Payload, bool Clear)
{
    internal readonly TaskCompletionSource<int?> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// A storage's grain rows: reads on connections of its own, and the writer loop(s) that take every queued row (up to <see cref="MaxBatch"/>), write them in one transaction, complete
/// each row's task with its new version (null = version conflict) after the commit, or fail them all if the
/// transaction failed (nothing of it was applied).
/// </summary>
public abstract class GrainRowStore : IAsyncDisposable
{
    /// <summary>Reads one row (the key fields of <paramref name="key"/>): whether it exists, its payload and version.</summary>
    public abstract Task<(bool Found, byte[]? Payload, int Version)> ReadAsync(GrainRowWrite key);

    public const int MaxBatch = 512;

    private readonly Channel<GrainRowWrite> _queue = Channel.CreateUnbounded<GrainRowWrite>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _loops;
    private readonly ILogger _logger;
    private long _batches, _rows;

    protected GrainRowStore(int writers, ILogger logger)
    {
        _logger = logger;
        _loops = Enumerable.Range(0, writers).Select(_ => Task.Run(Loop)).ToArray();
    }

    /// <summary>Batches committed and rows written so far (for the benchmark's report).</summary>
    public (long Batches, long Rows) Totals => (Interlocked.Read(ref _batches), Interlocked.Read(ref _rows));

    public Task<int?> Enqueue(GrainRowWrite row)
    {
        if (!_queue.Writer.TryWrite(row)) throw new ObjectDisposedException(nameof(GrainRowStore), "grain storage is shut down");
        return row.Done.Task;
    }

    /// <summary>Writes every row in one transaction and returns each row's new version (null: conflict).</summary>
    protected abstract Task<int?[]> CommitAsync(IReadOnlyList<GrainRowWrite> batch);

    private async Task Loop()
    {
        var batch = new List<GrainRowWrite>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var row)) batch.Add(row);
            if (batch.Count == 0) continue;
            try
            {
                var versions = await CommitAsync(batch);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _rows, batch.Count);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(versions[i]);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Grain storage: a transaction of {Count} writes failed; none was applied", batch.Count);
                foreach (var row in batch) row.Done.TrySetException(e);
            }
            batch.Clear();
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }
}

/// <summary>
/// SQLite: one writer (SQLite takes one at a time), a connection of its own, one transaction per batch. With the
/// fsync shared by the batch, synchronous = FULL costs little: a completed write survives a power cut, not only a
/// crash of the process.
/// </summary>
public sealed class SqliteGrainRowStore(string connectionString, ILogger<SqliteGrainRowStore> logger)
    : GrainRowStore(writers: 1, logger)
{
    // The effect of WriteToStorageKey in deploy/sql/sqlite.sql, as two single-row statements: a first write inserts
    // (a row already there is a conflict), a later one updates the version it read (no row or another version is a
    // conflict). Profiled: the provider's INSERT … SELECT form is a multi-row statement to SQLite, which then keeps a
    // statement journal per row (13 % of the writer's time); single-row statements need none.
    private const string InsertSql = """
        INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                    GrainIdExtensionString, ServiceId, PayloadBinary, Version)
        VALUES ($hash, $n0, $n1, $typeHash, $type, $ext, $service, $payload, 1)
        ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
        DO NOTHING
        """;

    private const string UpdateSql = """
        UPDATE OrleansStorage
           SET PayloadBinary = $payload, Version = Version + 1, ModifiedOn = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE GrainIdHash = $hash AND GrainTypeHash = $typeHash AND ServiceId = $service
           AND GrainIdN0 = $n0 AND GrainIdN1 = $n1 AND GrainTypeString = $type
           AND GrainIdExtensionString = $ext AND Version = $version
        """;

    private const string ClearSql = """
        UPDATE OrleansStorage
           SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE GrainIdHash = $hash AND GrainTypeHash = $typeHash AND ServiceId = $service
           AND GrainIdN0 = $n0 AND GrainIdN1 = $n1 AND GrainTypeString = $type
           AND GrainIdExtensionString = $ext AND Version = $version
        """;

    // Same statement as ReadFromStorageKey in deploy/sql/sqlite.sql.
    private const string ReadSql = """
        SELECT PayloadBinary, Version FROM OrleansStorage
         WHERE GrainIdHash = $hash AND GrainTypeHash = $typeHash AND ServiceId = $service
           AND GrainIdN0 = $n0 AND GrainIdN1 = $n1 AND GrainTypeString = $type AND GrainIdExtensionString = $ext
        """;

    private SqliteConnection? _connection;
    private SqliteCommand? _insert, _update, _clear;
    private readonly CancellationTokenSource _stop = new();
    private Task? _checkpoints;
    /// <summary>Idle readers: a connection each with its statement prepared (WAL readers never wait for the writer).
    /// Grain turns read concurrently; a reader is taken for one statement only.</summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<SqliteCommand> _readers = [];

    public override Task<(bool Found, byte[]? Payload, int Version)> ReadAsync(GrainRowWrite key)
    {
        if (!_readers.TryTake(out var read)) read = OpenReader();
        try
        {
            Bind(read, key);
            (bool, byte[]?, int) row;
            using (var r = read.ExecuteReader())
                row = r.Read() ? (true, r.IsDBNull(0) ? null : (byte[])r[0], r.GetInt32(1)) : (false, null, 0);
            _readers.Add(read);
            return Task.FromResult(row);
        }
        catch
        {
            read.Connection?.Dispose();
            read.Dispose();
            throw;
        }
    }

    private SqliteCommand OpenReader()
    {
        // Measured: memory-mapping the file (mmap_size) halved ingest here, the file growing under the mapping.
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        var cmd = Prepare(connection, ReadSql, withPayload: false, withVersion: false);
        cmd.Prepare();
        return cmd;
    }

    protected override Task<int?[]> CommitAsync(IReadOnlyList<GrainRowWrite> batch)
    {
        // Microsoft.Data.Sqlite is synchronous underneath; this runs on the writer loop's pool thread, never on a grain's.
        var connection = Open();
        using var tx = connection.BeginTransaction(deferred: false);
        var versions = new int?[batch.Count];
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var row = batch[i];
                var cmd = row.Clear ? _clear! : row.ExpectedVersion is null ? _insert! : _update!;
                cmd.Transaction = tx;
                Bind(cmd, row);
                versions[i] = cmd.ExecuteNonQuery() > 0 ? (row.ExpectedVersion ?? 0) + 1 : null;
            }
            tx.Commit();
        }
        catch
        {
            // The connection may be in any state: start over with a fresh one.
            Close();
            throw;
        }
        return Task.FromResult(versions);
    }

    private SqliteConnection Open()
    {
        if (_connection is not null) return _connection;
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            // 64 MiB of pages for the writer (SQLite's default is 2 MiB): profiled, a commit re-read most of the B-tree
            // leaves it changed and spilled dirty pages mid-transaction. Checkpoints run beside it (Checkpoints).
            pragma.CommandText = "PRAGMA synchronous = FULL; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0";
            pragma.ExecuteNonQuery();
        }
        _checkpoints ??= Task.Run(Checkpoints);
        _insert = Prepare(connection, InsertSql, withPayload: true, withVersion: false);
        _update = Prepare(connection, UpdateSql, withPayload: true);
        _clear = Prepare(connection, ClearSql, withPayload: false);
        return _connection = connection;
    }

    /// <summary>
    /// Copies the WAL back into the database file beside the writer rather than inside its commits, where SQLite's
    /// automatic checkpoint runs (profiled: a fifth of the writer's time). PASSIVE never waits for or blocks readers or
    /// the writer; what it cannot copy yet it copies next time.
    /// </summary>
    private async Task Checkpoints()
    {
        SqliteConnection? connection = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckpointEvery, _stop.Token);
                if (connection is null)
                {
                    connection = new SqliteConnection(connectionString);
                    connection.Open();
                }
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(PASSIVE)";
                cmd.ExecuteNonQuery();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "SQLite checkpoint failed; retrying");
                connection?.Dispose();
                connection = null;
            }
        }
        connection?.Dispose();
    }

    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromMilliseconds(100);

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, bool withPayload, bool withVersion = true)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        string[] names = ["$hash", "$n0", "$n1", "$typeHash", "$type", "$ext", "$service", .. withVersion ? (string[])["$version"] : [], .. withPayload ? (string[])["$payload"] : []];
        foreach (var name in names) cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        return cmd;
    }

    private static void Bind(SqliteCommand cmd, GrainRowWrite row)
    {
        var p = cmd.Parameters;
        p[0].Value = row.GrainIdHash;
        p[1].Value = row.N0;
        p[2].Value = row.N1;
        p[3].Value = row.GrainTypeHash;
        p[4].Value = row.GrainType;
        p[5].Value = row.Extension;
        p[6].Value = row.ServiceId;
        for (var i = 7; i < p.Count; i++)
            p[i].Value = p[i].ParameterName == "$payload" ? row.Payload : (object?)row.ExpectedVersion ?? DBNull.Value;
    }

    private void Close()
    {
        _insert?.Dispose();
        _update?.Dispose();
        _clear?.Dispose();
        _connection?.Dispose();
        (_insert, _update, _clear, _connection) = (null, null, null, null);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _stop.Cancel();
        if (_checkpoints is not null) await _checkpoints;
        Close();
        while (_readers.TryTake(out var read))
        {
            read.Connection?.Dispose();
            read.Dispose();
        }
    }
}

/// <summary>
/// PostgreSQL: each batch is one NpgsqlBatch (one round trip) in one transaction; two writer loops so one batch
/// fills while the other commits. Two loops never hold the same row: a grain has at most one write in flight.
/// </summary>
public sealed class PostgresGrainRowStore(string connectionString, ILogger<PostgresGrainRowStore> logger)
    : GrainRowStore(writers: 2, logger)
{
    // Same statements as WriteToStorageKey / ClearStorageKey in deploy/sql/postgresql.sql, positional parameters.
    private const string WriteSql = """
        WITH written AS (
            INSERT INTO OrleansStorage AS s (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                             GrainIdExtensionString, ServiceId, PayloadBinary, Version)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, 1
             WHERE $9::integer IS NULL
                OR EXISTS (SELECT 1 FROM OrleansStorage e
                            WHERE e.GrainIdHash = $1 AND e.GrainTypeHash = $4 AND e.ServiceId = $7
                              AND e.GrainIdN0 = $2 AND e.GrainIdN1 = $3 AND e.GrainTypeString = $5
                              AND e.GrainIdExtensionString = $6)
            ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
            DO UPDATE SET PayloadBinary = EXCLUDED.PayloadBinary, Version = s.Version + 1, ModifiedOn = now()
                 WHERE s.Version = $9::integer
            RETURNING s.Version)
        SELECT (SELECT Version FROM written)
        """;

    private const string ClearSql = """
        WITH cleared AS (
            UPDATE OrleansStorage SET PayloadBinary = NULL, Version = Version + 1, ModifiedOn = now()
             WHERE GrainIdHash = $1 AND GrainTypeHash = $4 AND ServiceId = $7
               AND GrainIdN0 = $2 AND GrainIdN1 = $3 AND GrainTypeString = $5
               AND GrainIdExtensionString = $6 AND Version = $8::integer
            RETURNING Version)
        SELECT (SELECT Version FROM cleared)
        """;

    // Same statement as ReadFromStorageKey in deploy/sql/postgresql.sql, positional parameters.
    private const string ReadSql = """
        SELECT PayloadBinary, Version FROM OrleansStorage
         WHERE GrainIdHash = $1 AND GrainTypeHash = $4 AND ServiceId = $7
           AND GrainIdN0 = $2 AND GrainIdN1 = $3 AND GrainTypeString = $5 AND GrainIdExtensionString = $6
        """;

    // The same three statements run thousands of times a second: prepared once per connection, PostgreSQL parses and
    // plans them once instead of per row.
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 8, AutoPrepareMinUsages = 2 });

    public override async Task<(bool Found, byte[]? Payload, int Version)> ReadAsync(GrainRowWrite key)
    {
        await using var cmd = _source.CreateCommand(ReadSql);
        AddKey(cmd.Parameters, key);
        await using var r = await cmd.ExecuteReaderAsync();
        if (!await r.ReadAsync()) return (false, null, 0);
        return (true, r.IsDBNull(0) ? null : (byte[])r[0], r.GetInt32(1));
    }

    private static void AddKey(NpgsqlParameterCollection p, GrainRowWrite row)
    {
        p.Add(new NpgsqlParameter<int> { TypedValue = row.GrainIdHash });
        p.Add(new NpgsqlParameter<long> { TypedValue = row.N0 });
        p.Add(new NpgsqlParameter<long> { TypedValue = row.N1 });
        p.Add(new NpgsqlParameter<int> { TypedValue = row.GrainTypeHash });
        p.Add(new NpgsqlParameter<string> { TypedValue = row.GrainType, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string> { TypedValue = row.Extension, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string> { TypedValue = row.ServiceId, NpgsqlDbType = NpgsqlDbType.Text });
    }

    protected override async Task<int?[]> CommitAsync(IReadOnlyList<GrainRowWrite> batch)
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlBatch(connection, tx);
        foreach (var row in batch)
        {
            var c = new NpgsqlBatchCommand(row.Clear ? ClearSql : WriteSql);
            AddKey(c.Parameters, row);
            if (!row.Clear) c.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = row.Payload, NpgsqlDbType = NpgsqlDbType.Bytea });
            c.Parameters.Add(new NpgsqlParameter { Value = (object?)row.ExpectedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            cmd.BatchCommands.Add(c);
        }
        var versions = new int?[batch.Count];
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (!await reader.ReadAsync()) throw new InvalidOperationException("grain write returned no row");
                versions[i] = reader.IsDBNull(0) ? null : reader.GetInt32(0);
                await reader.NextResultAsync();
            }
        }
        // Completed only after the commit (synchronous_commit: flushed to the WAL).
        await tx.CommitAsync();
        return versions;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _source.DisposeAsync();
    }
}
