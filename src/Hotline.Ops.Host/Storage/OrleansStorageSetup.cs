using Orleans.Providers;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

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
    /// caller (typically UseLocalhostClustering).
    /// </summary>
    public static ISiloBuilder UseHotlineSqlite(this ISiloBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // The ADO.NET provider under its own name, and our names over it through one writer queue.
        builder.AddAdoNetGrainStorage(SqliteProvider, o => Configure(o, HotlineStorage.SqliteInvariant, connectionString));
        foreach (var name in new[] { HotlineStorage.StorageName, ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME })
            builder.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) =>
                sp.GetKeyedService<SingleWriterGrainStorage>(SqliteProvider) ?? throw new InvalidOperationException("no SQLite storage"));
        builder.Services.AddKeyedSingleton(SqliteProvider, (sp, key) => new SingleWriterGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(key)));
        builder.UseInMemoryReminderService();
        return builder;
    }

    /// <summary>Cluster mode: membership, grain state and reminders all in PostgreSQL.</summary>
    public static ISiloBuilder UseHotlinePostgres(this ISiloBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.UseAdoNetClustering(o =>
        {
            o.Invariant = HotlineStorage.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        AddGrainStorage(builder, HotlineStorage.PostgresInvariant, connectionString);
        builder.UseAdoNetReminderService(o =>
        {
            o.Invariant = HotlineStorage.PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        return builder;
    }

    private const string SqliteProvider = "hotline-sqlite";

    private static void Configure(AdoNetGrainStorageOptions o, string invariant, string connectionString)
    {
        o.Invariant = invariant;
        o.ConnectionString = connectionString;
        o.GrainStorageSerializer = new SystemTextJsonGrainStorageSerializer();
    }

    // Registered twice (named and default) over the same table: grains may use either name.
    private static void AddGrainStorage(ISiloBuilder builder, string invariant, string connectionString)
    {
        builder.AddAdoNetGrainStorage(HotlineStorage.StorageName, o => Configure(o, invariant, connectionString));
        builder.AddAdoNetGrainStorageAsDefault(o => Configure(o, invariant, connectionString));
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
