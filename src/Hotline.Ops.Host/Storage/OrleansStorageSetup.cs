using Orleans.Providers;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization.Serializers;

namespace Hotline.Ops.Host.Storage;

public static class HotlineStorage
{
    /// <summary>Grain storage name for <c>[PersistentState("...", HotlineStorage.StorageName)]</c>; the grains' own constant.</summary>
    public const string StorageName = Grains.GrainStorage.Name;

    /// <summary>ADO.NET invariant Orleans maps to Npgsql.NpgsqlFactory.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>ADO.NET invariant Orleans 10 maps to Microsoft.Data.Sqlite.SqliteFactory (by reflection).</summary>
    public const string SqliteInvariant = "System.Data.SQLite";
}

/// <summary>
/// Wires Orleans' ADO.NET providers to the Hotline schema. Apply the schema first
/// (<see cref="SchemaInstaller"/>): the providers only read the queries from table OrleansQuery.
/// </summary>
public static class OrleansStorageSetup
{
    /// <summary>
    /// Embedded mode: grain state in a SQLite file, reminders in memory. Clustering is left to the
    /// caller (typically UseLocalhostClustering). Writes are group-committed (<see cref="BatchingGrainStorage"/>);
    /// <paramref name="batchWrites"/> false keeps the previous one-write-per-transaction path (for the benchmark's
    /// before/after figures).
    /// </summary>
    public static ISiloBuilder UseHotlineSqlite(this ISiloBuilder builder, string connectionString, bool batchWrites = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // The ADO.NET provider under its own name (reads, keys), and our names over it.
        builder.AddAdoNetGrainStorage(SqliteProvider, o => Configure(o, HotlineStorage.SqliteInvariant, connectionString));
        if (batchWrites)
            AddBatching(builder, SqliteProvider, sp => new SqliteGrainRowStore(connectionString, sp.GetRequiredService<ILogger<SqliteGrainRowStore>>()));
        else
            AddOverProvider(builder, SqliteProvider, sp => new SingleWriterGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(SqliteProvider)));
        builder.UseInMemoryReminderService();
        return builder;
    }

    /// <summary>Cluster mode: membership, grain state and reminders all in PostgreSQL; grain writes group-committed.</summary>
    public static ISiloBuilder UseHotlinePostgres(this ISiloBuilder builder, string connectionString, bool batchWrites = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.UseAdoNetClustering(o =>
        {
            o.Invariant = HotlineStorage.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        builder.AddAdoNetGrainStorage(PostgresProvider, o => Configure(o, HotlineStorage.PostgresInvariant, connectionString));
        if (batchWrites)
            AddBatching(builder, PostgresProvider, sp => new PostgresGrainRowStore(connectionString, sp.GetRequiredService<ILogger<PostgresGrainRowStore>>()));
        else
            AddOverProvider(builder, PostgresProvider, sp => sp.GetRequiredKeyedService<IGrainStorage>(PostgresProvider));
        builder.UseAdoNetReminderService(o =>
        {
            o.Invariant = HotlineStorage.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        return builder;
    }

    private const string SqliteProvider = "hotline-sqlite";
    private const string PostgresProvider = "hotline-postgres";

    private static void Configure(AdoNetGrainStorageOptions o, string invariant, string connectionString)
    {
        o.Invariant = invariant;
        o.ConnectionString = connectionString;
        o.GrainStorageSerializer = new SystemTextJsonGrainStorageSerializer();
    }

    private static void AddBatching(ISiloBuilder builder, string provider, Func<IServiceProvider, GrainRowStore> batcher)
    {
        builder.Services.AddKeyedSingleton(provider, (sp, _) => batcher(sp));
        AddOverProvider(builder, provider, sp => new BatchingGrainStorage(
            (AdoNetGrainStorage)sp.GetRequiredKeyedService<IGrainStorage>(provider),
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, provider,
            sp.GetRequiredKeyedService<GrainRowStore>(provider),
            sp.GetRequiredService<IActivatorProvider>()));
    }

    // Grains name the storage either way (named and default): both resolve to one instance over the same table.
    private static void AddOverProvider(ISiloBuilder builder, string provider, Func<IServiceProvider, IGrainStorage> storage)
    {
        var key = provider + "/hotline";
        builder.Services.AddKeyedSingleton<IGrainStorage>(key, (sp, _) => storage(sp));
        foreach (var name in new[] { HotlineStorage.StorageName, ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME })
            builder.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => sp.GetRequiredKeyedService<IGrainStorage>(key));
    }
}

public static class OrleansClientStorageSetup
{
    /// <summary>
    /// For an external client (not a silo) of a PostgreSQL-clustered deployment: gateways are found
    /// through the membership table. ClusterOptions must match the silos'.
    /// </summary>
    public static IClientBuilder UseHotlinePostgres(this IClientBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseAdoNetClustering(o =>
        {
            o.Invariant = HotlineStorage.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
    }
}
