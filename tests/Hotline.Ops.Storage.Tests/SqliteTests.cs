using Hotline.Ops.Host.Storage;
using Microsoft.Data.Sqlite;

namespace Hotline.Ops.Storage.Tests;

public sealed class SqliteTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "hotline-sqlite-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Applying_the_script_twice_is_harmless_and_enables_wal()
    {
        var connectionString = SchemaInstaller.SqliteConnectionString(Path.Combine(_dataDir, "nested"));
        Assert.True(Directory.Exists(Path.Combine(_dataDir, "nested")));

        await SchemaInstaller.ApplySqliteAsync(connectionString, CancellationToken.None);
        await Execute(connectionString,
            "INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, ServiceId, Version) " +
            "VALUES (1, 0, 0, 1, 't', 's', 1)");
        await SchemaInstaller.ApplySqliteAsync(connectionString, CancellationToken.None);

        Assert.Equal(1L, await Execute(connectionString, "SELECT count(*) FROM OrleansStorage"));
        Assert.Equal((long)SchemaInstaller.SqliteQueryKeys.Count, await Execute(connectionString, "SELECT count(*) FROM OrleansQuery"));
        Assert.Equal("wal", await Execute(connectionString, "PRAGMA journal_mode"));
        Assert.True(File.Exists(Path.Combine(_dataDir, "nested", "hotline.db")));
        await SchemaInstaller.VerifySqliteAsync(connectionString, CancellationToken.None);
    }

    [Fact]
    public async Task A_new_database_has_8_KiB_pages_a_rowid_table_and_keys_in_grain_type_then_grain_key_order()
    {
        var connectionString = SchemaInstaller.SqliteConnectionString(_dataDir);
        await SchemaInstaller.ApplySqliteAsync(connectionString, CancellationToken.None);

        // 8 KiB pages: a ticket row (~1.5 KB of JSON) spilled out of a 4 KiB page in the WITHOUT ROWID layout, and with the
        // rows in a rowid table 4 KiB pages were no faster (bench/FINDINGS.md items 10 and 42).
        Assert.Equal(8192L, await Execute(connectionString, "PRAGMA page_size"));
        // Rows in a rowid table, the key a unique index beside it: an update rewrites only the row's table page.
        Assert.Equal(0L, await Execute(connectionString, "SELECT wr FROM pragma_table_list WHERE name = 'OrleansStorage'"));
        // Keys of one grain type follow the grain's own key (tickets arrive in number order), not its hash.
        Assert.Equal("GrainTypeHash,GrainIdExtensionString,GrainIdN0,GrainIdN1,GrainTypeString,ServiceId,GrainIdHash",
            await Execute(connectionString,
                "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_xinfo('sqlite_autoindex_OrleansStorage_1') WHERE key = 1 ORDER BY seqno)"));
    }

    [Fact]
    public async Task Committed_writes_are_checkpointed_into_the_database_file_while_the_silo_runs()
    {
        var connectionString = SchemaInstaller.SqliteConnectionString(_dataDir);
        await SchemaInstaller.ApplySqliteAsync(connectionString, CancellationToken.None);
        var file = Path.Combine(_dataDir, "hotline.db");
        var before = new FileInfo(file).Length;

        var silo = await StartSqliteSiloAsync(connectionString);
        try
        {
            // The writer's own automatic checkpoint is off; without the checkpoints beside it these pages would stay
            // in the WAL until the last connection closed.
            var ids = Enumerable.Range(0, 400).Select(i => $"ticket-{i:D5}").ToList();
            await Task.WhenAll(ids.Select(id => silo.Grains().GetGrain<IDocumentGrain>(id).SetSample(id)));
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (new FileInfo(file).Length < before + 400 * 1024 && waited.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(100);

            Assert.True(new FileInfo(file).Length >= before + 400 * 1024,
                $"database file {new FileInfo(file).Length} bytes, {before} before 400 rows of about 1.5 KB");
            Assert.Equal(400L, await Execute(connectionString, "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'x'"));
        }
        finally
        {
            await TestSilo.StopAsync(silo);
        }
    }

    [Fact]
    public async Task A_WAL_the_checkpointer_could_not_copy_to_its_end_starts_over_at_the_next_write()
    {
        var connectionString = SchemaInstaller.SqliteConnectionString(_dataDir);
        await SchemaInstaller.ApplySqliteAsync(connectionString, CancellationToken.None);
        // A bound of 16 frames instead of 65,536, and the checkpoints run by the test, one at a time.
        var store = new SqliteGrainRowStore(connectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteGrainRowStore>.Instance,
            walRestartFrames: 16, checkpointEvery: Timeout.InfiniteTimeSpan);
        var payload = new byte[1_000];
        Random.Shared.NextBytes(payload);
        Task Write(int from, int count) => Task.WhenAll(Enumerable.Range(from, count).Select(i =>
            store.Enqueue(new GrainRowWrite(i, 0, i, 7, "wal-test", "", "svc", null, payload, Clear: false))));
        try
        {
            await Write(0, 200);
            // Under load the writer commits while the checkpointer copies, so the checkpoint ends short of the WAL's
            // end. A reader holding the snapshot of before the next writes stops it there the same way.
            await using (var reader = new SqliteConnection(connectionString))
            {
                await reader.OpenAsync();
                await using var tx = reader.BeginTransaction(deferred: true);
                await using (var read = new SqliteCommand("SELECT count(*) FROM OrleansStorage", reader, tx))
                    Assert.Equal(200L, await read.ExecuteScalarAsync());
                await Write(200, 100);
                store.CheckpointOnce();
            }
            var before = WalRestarts();

            await Write(300, 1);

            // SQLite alone restarts the WAL only at a write that finds every frame copied back: never, under a load
            // that never pauses (February's replay left a WAL of 2.2 GB). The writer copies the rest back first.
            Assert.Equal(before + 1, WalRestarts());
        }
        finally
        {
            await store.DisposeAsync();
        }
        Assert.Equal(301L, await Execute(connectionString, "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'wal-test'"));

        // The WAL header's checkpoint sequence number (bytes 12-15, big-endian) counts the WAL's restarts.
        uint WalRestarts()
        {
            var header = new byte[16];
            using var file = new FileStream(Path.Combine(_dataDir, "hotline.db-wal"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.ReadExactly(header);
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
        }
    }

    [Fact]
    public async Task Grain_state_round_trips_through_deactivation_and_a_new_silo()
    {
        var connectionString = SchemaInstaller.SqliteConnectionString(_dataDir);
        await SchemaInstaller.ApplySqliteAsync(connectionString, CancellationToken.None);
        var id = "ticket-" + Guid.NewGuid().ToString("N")[..8];
        var document = TestSilo.SampleDocument(id);

        var silo = await StartSqliteSiloAsync(connectionString);
        try
        {
            await silo.Grains().GetGrain<IDocumentGrain>(id).SetSample(id);
            await StorageConformance.RoundTripThroughDeactivationAsync(silo);
            await StorageConformance.EtagConflictsAreDetectedAsync(silo);
        }
        finally
        {
            await TestSilo.StopAsync(silo);
        }

        var next = await StartSqliteSiloAsync(connectionString);
        try
        {
            TestSilo.AssertSame(document, await next.Grains().GetGrain<IDocumentGrain>(id).GetDocumentAsync());
        }
        finally
        {
            await TestSilo.StopAsync(next);
        }
    }

    [Fact]
    public async Task Batched_writes_keep_the_providers_rows_and_detect_conflicts_within_a_batch()
    {
        var connectionString = SchemaInstaller.SqliteConnectionString(_dataDir);
        await SchemaInstaller.ApplySqliteAsync(connectionString, CancellationToken.None);
        var id = "ticket-" + Guid.NewGuid().ToString("N")[..8];

        // Written by Orleans' own ADO.NET provider (one transaction per write) ...
        var plain = await StartSqliteSiloAsync(connectionString, batchWrites: false);
        try { await plain.Grains().GetGrain<IDocumentGrain>(id).SetSample(id); }
        finally { await TestSilo.StopAsync(plain); }

        // ... read and overwritten by the batching storage in the same row (same key columns and hashes).
        var silo = await StartSqliteSiloAsync(connectionString);
        try
        {
            var grain = silo.Grains().GetGrain<IDocumentGrain>(id);
            TestSilo.AssertSame(TestSilo.SampleDocument(id), await grain.GetDocumentAsync());
            await grain.SetSample(id);
            Assert.Equal(2L, await Execute(connectionString, "SELECT Version FROM OrleansStorage WHERE GrainTypeString = 'x'"));
            Assert.Equal(1L, await Execute(connectionString, "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'x'"));
            await StorageConformance.EtagConflictsAreDetectedAsync(silo);
            await StorageConformance.ConcurrentWritesCommitAndConflictsStayAloneAsync(silo,
                async () => (long)(await Execute(connectionString, "SELECT count(*) FROM OrleansStorage"))!);
        }
        finally
        {
            await TestSilo.StopAsync(silo);
        }
    }

    [Fact]
    public async Task A_file_without_the_schema_and_an_unopenable_path_fail_clearly()
    {
        var missing = SchemaInstaller.SqliteConnectionString(_dataDir);
        var noSchema = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.VerifySqliteAsync(missing, CancellationToken.None));
        Assert.Contains("hotline.db", noSchema.Message);
        Assert.DoesNotContain('\n', noSchema.Message);

        await Execute(missing, "CREATE TABLE unrelated (x INTEGER)");
        var empty = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.VerifySqliteAsync(missing, CancellationToken.None));
        Assert.Contains("OrleansQuery does not exist", empty.Message);

        // A directory where the file should be: SQLite cannot open it.
        Directory.CreateDirectory(Path.Combine(_dataDir, "isdir", "hotline.db"));
        var unopenable = SchemaInstaller.SqliteConnectionString(Path.Combine(_dataDir, "isdir"));
        var cannotOpen = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.ApplySqliteAsync(unopenable, CancellationToken.None));
        Assert.StartsWith("cannot apply the SQLite schema to ", cannotOpen.Message);
        Assert.DoesNotContain('\n', cannotOpen.Message);
    }

    [Fact]
    public void Registering_the_sqlite_invariant_is_idempotent()
    {
        SchemaInstaller.RegisterSqliteInvariant();
        SchemaInstaller.RegisterSqliteInvariant();
        Assert.Same(SqliteFactory.Instance, System.Data.Common.DbProviderFactories.GetFactory(HotlineStorage.SqliteInvariant));
    }

    private static Task<Microsoft.Extensions.Hosting.IHost> StartSqliteSiloAsync(string connectionString, bool batchWrites = true)
    {
        var siloPort = TestPorts.Free();
        var gatewayPort = TestPorts.Free();
        return TestSilo.StartAsync(TestSilo.NewClusterId(), s => s
            .UseLocalhostClustering(siloPort, gatewayPort)
            .UseHotlineSqlite(connectionString, batchWrites));
    }

    private static async Task<object?> Execute(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new SqliteCommand(sql, connection);
        return await cmd.ExecuteScalarAsync();
    }
}
