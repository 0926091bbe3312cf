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
        var siloPort = TestSilo.FreePort();
        var gatewayPort = TestSilo.FreePort();
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
