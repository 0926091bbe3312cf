using Hotline.Ops.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Hotline.Ops.Storage.Tests;

public sealed class PostgresSchemaTests
{
    [Fact]
    public async Task Applying_the_script_twice_and_concurrently_is_harmless_and_keeps_data()
    {
        await using var db = await TestDatabase.CreateAsync();
        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        await db.ScalarAsync(
            "INSERT INTO OrleansRemindersTable VALUES ('svc', 'g', 'r', now(), 60000, 1, 0)");

        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        // Silos starting together: the advisory lock serialises them, none fails on a half-made schema.
        await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None)));

        Assert.Equal((long)SchemaInstaller.PostgresQueryKeys.Count, await db.ScalarAsync("SELECT count(*) FROM OrleansQuery"));
        Assert.Equal(1L, await db.ScalarAsync("SELECT count(*) FROM OrleansRemindersTable"));
        await SchemaInstaller.VerifyPostgresAsync(db.ConnectionString, CancellationToken.None);
    }

    [Fact]
    public async Task Stored_queries_are_the_embedded_script_after_a_rerun()
    {
        await using var db = await TestDatabase.CreateAsync();
        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        await db.ScalarAsync("UPDATE OrleansQuery SET QueryText = 'broken' WHERE QueryKey = 'WriteToStorageKey'");

        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);

        var text = (string?)await db.ScalarAsync("SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'");
        Assert.Contains("NewGrainStateVersion", text);
    }
}

public sealed class PostgresSiloTests
{
    [Fact]
    public async Task Two_silos_join_the_cluster_through_the_membership_table()
    {
        await using var db = await TestDatabase.CreateAsync();
        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        var clusterId = TestSilo.NewClusterId();

        var first = await TestSilo.StartAsync(clusterId, s => s.UseHotlinePostgres(db.ConnectionString));
        var second = await TestSilo.StartAsync(clusterId, s => s.UseHotlinePostgres(db.ConnectionString));
        try
        {
            // Status 3 = Active.
            await WaitForAsync(async () => (long)(await db.ScalarAsync(
                "SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @c AND Status = 3", ("c", clusterId)))! == 2,
                "both silos active in OrleansMembershipTable");
            var hosts = await first.Grains().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);

            // Grains spread over both silos still persist through the shared table.
            await StorageConformance.RoundTripThroughDeactivationAsync(second);

            // An external client finds the gateways through GatewaysQueryKey.
            using (var client = await StartClientAsync(clusterId, db.ConnectionString))
            {
                var viaClient = client.Services.GetRequiredService<IClusterClient>().GetGrain<IDocumentGrain>("via-client");
                await viaClient.SetSample("via-client");
                Assert.Equal("via-client", (await viaClient.GetDocumentAsync())?.Ticket.TicketId);
                await client.StopAsync();
            }

            // A stopped silo is marked dead (UpdateMembershipKey); the defunct-entry cleanup removes it
            // but never an active silo, even one whose last heartbeat is before the cutoff.
            await TestSilo.StopAsync(second);
            await WaitForAsync(async () => (long)(await db.ScalarAsync(
                "SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @c AND Status = 6", ("c", clusterId)))! == 1,
                "the stopped silo marked dead");
            var membership = first.Services.GetRequiredService<IMembershipTable>();
            await membership.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
            Assert.Equal(1L, await db.ScalarAsync(
                "SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @c AND Status = 3", ("c", clusterId)));
            Assert.Equal(1L, await db.ScalarAsync(
                "SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @c", ("c", clusterId)));
        }
        finally
        {
            await TestSilo.StopAsync(second);
            await TestSilo.StopAsync(first);
        }
    }

    private static async Task<IHost> StartClientAsync(string clusterId, string connectionString)
    {
        var client = new HostBuilder()
            .UseOrleansClient(c => c
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = TestSilo.ServiceId;
                })
                .UseHotlinePostgres(connectionString))
            .Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.StartAsync(timeout.Token);
        return client;
    }

    [Fact]
    public async Task Grain_state_survives_into_a_new_cluster_and_etag_conflicts_are_detected()
    {
        await using var db = await TestDatabase.CreateAsync();
        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        var id = "ticket-" + Guid.NewGuid().ToString("N")[..8];
        var document = TestSilo.SampleDocument(id);

        var silo = await TestSilo.StartAsync(TestSilo.NewClusterId(), s => s.UseHotlinePostgres(db.ConnectionString));
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

        // Stored as JSON (camelCase, enums as strings) by our serializer, not Orleans' binary format.
        var json = System.Text.Encoding.UTF8.GetString((byte[])(await db.ScalarAsync(
            "SELECT PayloadBinary FROM OrleansStorage WHERE convert_from(PayloadBinary, 'UTF8') LIKE '%' || @id || '%'",
            ("id", id)))!);
        Assert.Contains("\"channel\":\"WeChat\"", json);
        // Orleans passes the state NAME as the "grain type" and only the key as the grain id: two grain
        // types sharing a key and a state name would share a row, so state names must be unique per grain type.
        Assert.Equal("x", await db.ScalarAsync(
            "SELECT GrainTypeString FROM OrleansStorage WHERE convert_from(PayloadBinary, 'UTF8') LIKE '%' || @id || '%'", ("id", id)));

        var next = await TestSilo.StartAsync(TestSilo.NewClusterId(), s => s.UseHotlinePostgres(db.ConnectionString));
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
        await using var db = await TestDatabase.CreateAsync();
        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        var id = "ticket-" + Guid.NewGuid().ToString("N")[..8];

        var plain = await TestSilo.StartAsync(TestSilo.NewClusterId(), s => s.UseHotlinePostgres(db.ConnectionString, batchWrites: false));
        try { await plain.Grains().GetGrain<IDocumentGrain>(id).SetSample(id); }
        finally { await TestSilo.StopAsync(plain); }

        var silo = await TestSilo.StartAsync(TestSilo.NewClusterId(), s => s.UseHotlinePostgres(db.ConnectionString));
        try
        {
            var grain = silo.Grains().GetGrain<IDocumentGrain>(id);
            TestSilo.AssertSame(TestSilo.SampleDocument(id), await grain.GetDocumentAsync());
            await grain.SetSample(id);
            Assert.Equal(2, await db.ScalarAsync("SELECT Version FROM OrleansStorage WHERE GrainTypeString = 'x'"));
            Assert.Equal(1L, await db.ScalarAsync("SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'x'"));
            await StorageConformance.ConcurrentWritesCommitAndConflictsStayAloneAsync(silo,
                async () => (long)(await db.ScalarAsync("SELECT count(*) FROM OrleansStorage"))!);
        }
        finally
        {
            await TestSilo.StopAsync(silo);
        }
    }

    [Fact]
    public async Task Reminders_are_stored_read_back_fire_and_are_removed()
    {
        await using var db = await TestDatabase.CreateAsync();
        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        var key = "rem-" + Guid.NewGuid().ToString("N")[..8];

        var silo = await TestSilo.StartAsync(TestSilo.NewClusterId(), s => s.UseHotlinePostgres(db.ConnectionString));
        try
        {
            var grain = silo.Grains().GetGrain<IReminderTestGrain>(key);
            // 1 minute is Orleans' minimum period; the short due time makes exactly one tick land in the test.
            await grain.Register("tick", TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1));

            Assert.Equal(60_000L, await db.ScalarAsync(
                "SELECT Period FROM OrleansRemindersTable WHERE GrainId LIKE @g AND ReminderName = 'tick'", ("g", "%" + key)));
            Assert.True(await grain.IsRegistered("tick"));
            Assert.False(await grain.IsRegistered("other"));

            await WaitForAsync(() => Task.FromResult(ReminderTestGrain.Ticks.GetValueOrDefault(key + "/tick") >= 1),
                "the reminder fired", TimeSpan.FromSeconds(60));

            await grain.Unregister("tick");
            Assert.False(await grain.IsRegistered("tick"));
            Assert.Equal(0L, await db.ScalarAsync("SELECT count(*) FROM OrleansRemindersTable"));
        }
        finally
        {
            await TestSilo.StopAsync(silo);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"timed out waiting for: {what}");
    }
}
