using System.Globalization;
using System.Runtime.InteropServices;
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
/// and hashes are computed as it computes them (its own hash picker), and a write still
/// carries the version it read, so a stale or blind write is an <see cref="InconsistentStateException"/> as before.
/// Serialization happens on the grain's turn, before the write is queued. Reads go through the same store's own
/// connections and prepared statements (PostgreSQL: the reads waiting together in one statement; profiled: a new ticket's read of its absent row through the provider's
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
        var payload = Bytes(_inner.Serializer.Serialize(grainState.State));
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

    /// <summary>The serialized state's own array when it is one whole array (System.Text.Json's is), else a copy.</summary>
    private static byte[] Bytes(BinaryData data) =>
        MemoryMarshal.TryGetArray(data.ToMemory(), out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array : data.ToArray();

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

    private readonly BatchQueue<GrainRowWrite> _writes;
    private long _batches, _rows;

    protected GrainRowStore(int writers, ILogger logger)
    {
        Logger = logger;
        _writes = new BatchQueue<GrainRowWrite>(writers, MaxBatch, CommitBatchAsync);
    }

    protected ILogger Logger { get; }

    /// <summary>Batches committed and rows written so far (for the benchmark's report).</summary>
    public (long Batches, long Rows) Totals => (Interlocked.Read(ref _batches), Interlocked.Read(ref _rows));

    public Task<int?> Enqueue(GrainRowWrite row)
    {
        _writes.Add(row);
        return row.Done.Task;
    }

    /// <summary>Writes every row in one transaction and returns each row's new version (null: conflict).</summary>
    protected abstract Task<int?[]> CommitAsync(IReadOnlyList<GrainRowWrite> batch);

    private async Task CommitBatchAsync(List<GrainRowWrite> batch)
    {
        try
        {
            var versions = await CommitAsync(batch);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _rows, batch.Count);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(versions[i]);
        }
        catch (Exception e)
        {
            Logger.LogError(e, "Grain storage: a transaction of {Count} writes failed; none was applied", batch.Count);
            foreach (var row in batch) row.Done.TrySetException(e);
        }
    }

    public virtual ValueTask DisposeAsync() => new(_writes.CompleteAsync());
}

/// <summary>
/// Items queued by many callers and taken by a few loops, each loop taking whatever is waiting (up to a batch) when it
/// comes round: the group commit of writes, and PostgreSQL's reads. The handler completes its items, failures too.
/// </summary>
internal sealed class BatchQueue<T>
{
    private readonly Channel<T> _queue = Channel.CreateUnbounded<T>();
    private readonly Task[] _loops;

    public BatchQueue(int loops, int maxBatch, Func<List<T>, Task> handle)
    {
        _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(async () =>
        {
            var batch = new List<T>(maxBatch);
            while (await _queue.Reader.WaitToReadAsync())
            {
                while (batch.Count < maxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
                if (batch.Count == 0) continue;
                await handle(batch);
                batch.Clear();
            }
        })).ToArray();
    }

    public void Add(T item)
    {
        if (!_queue.Writer.TryWrite(item)) throw new ObjectDisposedException(nameof(GrainRowStore), "grain storage is shut down");
    }

    /// <summary>Takes no more items; completes once the loops have handled every one queued.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return Task.WhenAll(_loops);
    }
}

/// <summary>
/// SQLite: one writer (SQLite takes one at a time), a connection of its own, one transaction per batch. With the
/// fsync shared by the batch, synchronous = FULL costs little: a completed write survives a power cut, not only a
/// crash of the process.
/// </summary>
/// <param name="walRestartFrames">How large the WAL may grow before the writer lets it start over (tests set it small).</param>
/// <param name="checkpointEvery">The checkpointer's period (default <see cref="CheckpointEvery"/>; tests turn it off).</param>
public sealed class SqliteGrainRowStore(string connectionString, ILogger<SqliteGrainRowStore> logger,
    long walRestartFrames = SqliteGrainRowStore.WalRestartFrames, TimeSpan? checkpointEvery = null)
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
    private SqliteConnection? _checkpointer;
    /// <summary>
    /// The database file, for the checkpointer's syncs. Closed only when the store is disposed, after its connections:
    /// closing any descriptor of a file drops the POSIX locks the process holds on it, SQLite's included.
    /// </summary>
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _databaseFile;
    /// <summary>Set by the checkpointer when the WAL has outgrown its bound (<c>walRestartFrames</c>); taken by the writer.</summary>
    private volatile bool _walRestartDue;
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
        if (_walRestartDue)
        {
            // Copies back what the checkpointer left, so this transaction restarts the WAL (WalRestartFrames).
            _walRestartDue = false;
            CheckpointPassive(connection);
        }
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
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(checkpointEvery ?? CheckpointEvery, _stop.Token);
                CheckpointOnce();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Logger.LogWarning(e, "SQLite checkpoint failed; retrying");
                _checkpointer?.Dispose();
                _checkpointer = null;
            }
        }
        _checkpointer?.Dispose();
    }

    /// <summary>One checkpoint, as the checkpointer runs it every second (tests call it with the period off).</summary>
    public void CheckpointOnce()
    {
        if (_checkpointer is null)
        {
            _checkpointer = new SqliteConnection(connectionString);
            _checkpointer.Open();
            using var sync = _checkpointer.CreateCommand();
            sync.CommandText = "PRAGMA synchronous = FULL";
            sync.ExecuteNonQuery();
        }
        var framesInWal = CheckpointPassive(_checkpointer);
        // SQLite syncs the database file only when a checkpoint reaches the WAL's end, which these never do under load:
        // what they copied stays dirty in the page cache until the writer's restart would have to flush all of it.
        // Flushed here every second, beside the writer, the restart syncs little more than its own last pages.
        _databaseFile ??= File.OpenHandle(_checkpointer.DataSource, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        RandomAccess.FlushToDisk(_databaseFile);
        if (framesInWal > walRestartFrames) _walRestartDue = true;
    }

    /// <summary>Copies back what it can without waiting for anyone; returns the frames in the WAL.</summary>
    private static long CheckpointPassive(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        // The pragma answers (busy, frames in the WAL, frames copied back).
        using var result = cmd.ExecuteReader();
        return result.Read() ? result.GetInt64(1) : 0;
    }

    // A page changed several times between checkpoints is copied into the file once: the new tickets' last leaves, the
    // ledgers' member pages and the city's row change many times a second. Every second rather than every 100 ms: the
    // February replay 5.6 % faster in five pairs (bench/FINDINGS.md item 33). Durability is the WAL's (synchronous = FULL
    // on every commit), not the checkpoint's; a larger WAL only means more to copy back after a crash.
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Under writes that never pause, the WAL never starts over by itself. SQLite restarts it only at a write that finds
    /// every frame already copied back, and a checkpoint beside the writer always leaves the frames appended meanwhile.
    /// So the WAL grew for as long as the load lasted (2.2 GB in February's replay), every commit appending to a growing
    /// file (profiled: the kernel zeroing new blocks, 3 % of the replay's samples) and a crash leaving all of it to copy
    /// back. Past this many frames (512 MiB of 8 KiB pages) the writer copies back, between two transactions, what the
    /// checkpointer left, and its next transaction restarts the WAL at its beginning, over blocks already written.
    /// The writer pauses for it: a checkpoint that reaches the WAL's end truncates and syncs the database file (timed in a
    /// trial restarting at 128 MiB: 0.02-0.13 s with the file flushed every second, up to 0.22 s without). So the bound is
    /// large: at February's replay's ~55 MB of WAL a second, a pause about every 10 s (computed), against a wall that
    /// publishes every second (bench/FINDINGS.md item 37).
    /// </summary>
    private const long WalRestartFrames = 65_536;

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
        _databaseFile?.Dispose();
    }
}

/// <summary>
/// PostgreSQL: a batch of writes is two statements in one transaction (one round trip): every first write of a row
/// in one INSERT, every later write or clear in one UPDATE, each over arrays of the rows (<c>unnest</c>); two writer
/// loops so one batch fills while the other commits (a grain has at most one write in flight, so two loops never hold
/// the same row). Reads waiting at the same moment are one SELECT over the same arrays. Profiled before: one statement
/// per row and one connection per read kept ~100 backends busy, and PostgreSQL used as much CPU as the server.
/// </summary>
public sealed class PostgresGrainRowStore : GrainRowStore
{
    // The provider's statements (WriteToStorageKey / ClearStorageKey / ReadFromStorageKey in deploy/sql/postgresql.sql)
    // for many rows at once. Keys: hash, n0, n1, type hash, type, extension, service id.
    private const string Keys = "$1::integer[], $2::bigint[], $3::bigint[], $4::integer[], $5::text[], $6::text[], $7::text[]";
    private const string KeyMatch = """
        s.GrainIdHash = k.h AND s.GrainTypeHash = k.th AND s.ServiceId = k.sv AND s.GrainIdN0 = k.n0
           AND s.GrainIdN1 = k.n1 AND s.GrainTypeString = k.t AND s.GrainIdExtensionString = k.e
        """;

    // A first write (no version held) inserts; a row already there is a conflict (no row returned).
    private const string InsertSql = $"""
        INSERT INTO OrleansStorage AS s (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                         GrainIdExtensionString, ServiceId, PayloadBinary, Version)
        SELECT k.h, k.n0, k.n1, k.th, k.t, k.e, k.sv, k.p, 1
          FROM unnest({Keys}, $8::bytea[]) AS k(h, n0, n1, th, t, e, sv, p)
        ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
        DO NOTHING
        RETURNING s.GrainIdExtensionString, s.GrainIdN0, s.GrainIdN1, s.GrainTypeString, s.GrainIdHash
        """;

    // A later write or a clear (payload NULL) takes the version it read; another version or no row is a conflict.
    private const string UpdateSql = $"""
        UPDATE OrleansStorage AS s SET PayloadBinary = k.p, Version = s.Version + 1, ModifiedOn = now()
          FROM unnest({Keys}, $8::bytea[], $9::integer[], $10::integer[]) AS k(h, n0, n1, th, t, e, sv, p, v, i)
         WHERE {KeyMatch} AND s.Version = k.v
        RETURNING k.i, s.Version
        """;

    private const string ReadSql = $"""
        SELECT k.i, s.PayloadBinary, s.Version
          FROM unnest({Keys}, $8::integer[]) AS k(h, n0, n1, th, t, e, sv, i)
          JOIN OrleansStorage s ON {KeyMatch}
        """;

    private readonly NpgsqlDataSource _source;
    private readonly BatchQueue<PendingRead> _reads;

    public PostgresGrainRowStore(string connectionString, ILogger<PostgresGrainRowStore> logger) : base(writers: 2, logger)
    {
        // The same statements run thousands of times a second: prepared once per connection.
        _source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 8, AutoPrepareMinUsages = 2 });
        _reads = new BatchQueue<PendingRead>(loops: 2, MaxBatch, ReadBatchAsync);
    }

    private sealed record PendingRead(GrainRowWrite Key)
    {
        public readonly TaskCompletionSource<(bool Found, byte[]? Payload, int Version)> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public override Task<(bool Found, byte[]? Payload, int Version)> ReadAsync(GrainRowWrite key)
    {
        var read = new PendingRead(key);
        _reads.Add(read);
        return read.Done.Task;
    }

    private async Task ReadBatchAsync(List<PendingRead> batch)
    {
        try
        {
            var rows = new (bool, byte[]?, int)[batch.Count];
            await using (var cmd = _source.CreateCommand(ReadSql))
            {
                AddKeys(cmd.Parameters, batch.Select(r => r.Key).ToList());
                cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = Enumerable.Range(0, batch.Count).ToArray() });
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync())
                    rows[r.GetInt32(0)] = (true, r.IsDBNull(1) ? null : (byte[])r[1], r.GetInt32(2));
            }
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(rows[i]);
        }
        catch (Exception e)
        {
            Logger.LogWarning(e, "Grain storage: a read of {Count} rows failed", batch.Count);
            foreach (var read in batch) read.Done.TrySetException(e);
        }
    }

    private static void AddKeys(NpgsqlParameterCollection p, IReadOnlyList<GrainRowWrite> rows)
    {
        p.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.GrainIdHash).ToArray() });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.N0).ToArray() });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.N1).ToArray() });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.GrainTypeHash).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.GrainType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Extension).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.ServiceId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
    }

    private static void AddPayloads(NpgsqlParameterCollection p, IReadOnlyList<GrainRowWrite> rows) =>
        p.Add(new NpgsqlParameter<byte[]?[]> { TypedValue = rows.Select(r => r.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });

    protected override async Task<int?[]> CommitAsync(IReadOnlyList<GrainRowWrite> batch)
    {
        var versions = new int?[batch.Count];
        // Index of each first write by its key, to match the rows the INSERT returns.
        var inserts = new List<GrainRowWrite>();
        var insertAt = new Dictionary<(string, long, long, string, int), int>();
        var updates = new List<GrainRowWrite>();
        var updateAt = new List<int>();
        for (var i = 0; i < batch.Count; i++)
        {
            var row = batch[i];
            if (row.ExpectedVersion is null)
            {
                if (row.Clear) continue; // nothing stored to clear at the version held: a conflict, as the provider's statement
                insertAt[(row.Extension, row.N0, row.N1, row.GrainType, row.GrainIdHash)] = i;
                inserts.Add(row);
            }
            else
            {
                updateAt.Add(i);
                updates.Add(row);
            }
        }
        if (inserts.Count == 0 && updates.Count == 0) return versions;

        await using var connection = await _source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlBatch(connection, tx);
        if (inserts.Count > 0)
        {
            var c = new NpgsqlBatchCommand(InsertSql);
            AddKeys(c.Parameters, inserts);
            AddPayloads(c.Parameters, inserts);
            cmd.BatchCommands.Add(c);
        }
        if (updates.Count > 0)
        {
            var c = new NpgsqlBatchCommand(UpdateSql);
            AddKeys(c.Parameters, updates);
            AddPayloads(c.Parameters, updates);
            c.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = updates.Select(r => r.ExpectedVersion!.Value).ToArray() });
            c.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = Enumerable.Range(0, updates.Count).ToArray() });
            cmd.BatchCommands.Add(c);
        }
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            if (inserts.Count > 0)
            {
                while (await reader.ReadAsync())
                    versions[insertAt[(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt32(4))]] = 1;
                await reader.NextResultAsync();
            }
            if (updates.Count > 0)
                while (await reader.ReadAsync())
                    versions[updateAt[reader.GetInt32(0)]] = reader.GetInt32(1);
        }
        // Completed only after the commit (synchronous_commit: flushed to the WAL).
        await tx.CommitAsync();
        return versions;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _reads.CompleteAsync();
        await _source.DisposeAsync();
    }
}
