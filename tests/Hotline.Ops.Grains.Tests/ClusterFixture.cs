using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Hotline.Ops.Grains.Tests;

/// <summary>A real two-silo Orleans cluster in this process, with the grains' services and serialization.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.GrainFactory;

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
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.Services.AddSerializer(s => s.AddHotlineSerialization());
            silo.Services.AddSingleton(WorkingCalendar.China);
            silo.Services.AddSingleton(DeadlinePolicy.Default);
            silo.Services.AddSingleton(GradeBounds.Default);
            silo.Services.AddSingleton<TicketRulesProvider>();
            silo.Services.AddSingleton(new CityClock(TimeProvider.System));
            silo.Services.AddSingleton<IEventTimeSink, NoEventTimeSink>();
            silo.Services.AddSingleton<ActivityBuffer>();
            silo.Services.AddSingleton<EmergencyRules>();
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
