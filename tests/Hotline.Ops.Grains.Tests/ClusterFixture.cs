using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Hotline.Ops.Grains.Tests;

/// <summary>A real two-silo Orleans cluster in this process, with the grains' services and serialization.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.GrainFactory;
    /// <summary>Each silo's services (its singletons).</summary>
    public IEnumerable<IServiceProvider> SiloServices => Cluster.Silos.Select(s => ((InProcessSiloHandle)s).SiloHost.Services);

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfig>();
        builder.AddClientBuilderConfigurator<ClientConfig>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        await Grains.GetGrain<IUnitRegistryGrain>(0).SeedIfEmpty(SeedUnits.All);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfig : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(FaultyStorage.Inner);
            silo.Services.AddKeyedSingleton<IGrainStorage>(GrainStorage.Name, (sp, _) => new FaultyStorage(sp.GetRequiredKeyedService<IGrainStorage>(FaultyStorage.Inner)));
            silo.Services.AddSerializer(s => s.AddHotlineSerialization());
            silo.Services.AddSingleton(WorkingCalendar.China);
            silo.Services.AddSingleton(DeadlinePolicy.Default);
            silo.Services.AddSingleton(GradeBounds.Default);
            silo.Services.AddSingleton<TicketRulesProvider>();
            silo.Services.AddSingleton(new TicketResidency());
            silo.Services.AddSingleton(new TicketAnswering(OnceStored: false));
            silo.Services.AddSingleton<OutboxWatermark>().AddHostedService(sp => sp.GetRequiredService<OutboxWatermark>());
            silo.Services.AddSingleton(new CityClock(TimeProvider.System));
            silo.Services.AddSingleton<IEventTimeSink, NoEventTimeSink>();
            silo.Services.AddSingleton<ActivityBuffer>();
            silo.Services.AddSingleton<EmergencyRules>();
            silo.Services.AddSingleton<WallOutbox>().AddHostedService(sp => sp.GetRequiredService<WallOutbox>());
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.UseInMemoryReminderService();
        }
    }

    private sealed class ClientConfig : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.Services.AddSerializer(s => s.AddHotlineSerialization());
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// The grains' storage (in memory), whose writes a test can make fail: it names a grain and how many of its next writes
/// fail. It also tells which ticket version was last stored for a grain, and how often a grain's state was read.
/// </summary>
public sealed class FaultyStorage(IGrainStorage inner) : IGrainStorage
{
    public const string Inner = "memory";
    private static readonly ConcurrentDictionary<(GrainId Grain, string? State), int> Failing = new();
    private static readonly ConcurrentDictionary<GrainId, int> StoredTicketVersions = new();
    private static readonly ConcurrentDictionary<(GrainId Grain, string State), int> Reads = new();

    /// <summary>Fails the next <paramref name="count"/> writes of <paramref name="grain"/>'s state named
    /// <paramref name="stateName"/>, or of any of its states when null.</summary>
    public static void FailNextWrites(GrainId grain, int count, string? stateName = null) => Failing[(grain, stateName)] = count;

    /// <summary>The version of the ticket in the last successful write of <paramref name="grain"/>'s state, or null.</summary>
    public static int? StoredTicketVersion(GrainId grain) => StoredTicketVersions.TryGetValue(grain, out var v) ? v : null;

    /// <summary>How many times <paramref name="grain"/>'s state named <paramref name="stateName"/> was read.</summary>
    public static int ReadsOf(GrainId grain, string stateName) => Reads.TryGetValue((grain, stateName), out var n) ? n : 0;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Reads.AddOrUpdate((grainId, stateName), 1, (_, n) => n + 1);
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Fails((grainId, stateName)) || Fails((grainId, null)))
            throw new IOException($"injected storage failure for {grainId} ({stateName})");
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (grainState.State is TicketRecord { Ticket: { } t }) StoredTicketVersions[grainId] = t.Version;
    }

    private static bool Fails((GrainId, string?) key) => Failing.TryGetValue(key, out var n) && n > 0 && Failing.TryUpdate(key, n - 1, n);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}
