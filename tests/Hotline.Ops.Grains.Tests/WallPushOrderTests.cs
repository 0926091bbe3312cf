using System.Collections.Concurrent;
using Hotline.Ops.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;

namespace Hotline.Ops.Grains.Tests;

/// <summary>
/// A surge's start, its updates and its end are published one after another: the walls must get them in that order, or
/// a wall shows an ended surge as live again (CI once saw a surge's first update arrive before its start).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WallPushOrderTests(ClusterFixture fixture)
{
    private const string Method = "orderProbe";

    /// <summary>Stands in for a silo's hub bridge: it records the probes it is pushed.</summary>
    private sealed class Recorder(string method = Method) : IWallObserver
    {
        public readonly ConcurrentQueue<int> Received = new();

        public Task Push(WallMessage[] messages)
        {
            foreach (var m in messages.Where(m => m.Method == method)) Received.Enqueue(int.Parse(m.Json));
            return Task.CompletedTask;
        }
    }

    /// <summary>A silo that hangs: it never answers a push.</summary>
    private sealed class Hung : IWallObserver
    {
        public Task Push(WallMessage[] messages) => new TaskCompletionSource().Task;
    }

    [Fact]
    public async Task Messages_published_one_after_another_reach_the_walls_in_that_order_and_a_hung_silo_holds_up_no_other()
    {
        var primary = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services;
        var secondary = ((InProcessSiloHandle)fixture.Cluster.SecondarySilos[0]).SiloHost.Services;
        var recorder = new Recorder();
        var hung = new Hung();
        // Made on the silos, as their hub bridges do, and registered under the silos' addresses.
        var directory = fixture.Grains.GetGrain<IWallDirectoryGrain>(0);
        await directory.Register(fixture.Cluster.Primary!.SiloAddress.ToString(), primary.GetRequiredService<IGrainFactory>().CreateObjectReference<IWallObserver>(recorder));
        await directory.Register(fixture.Cluster.SecondarySilos[0].SiloAddress.ToString(), secondary.GetRequiredService<IGrainFactory>().CreateObjectReference<IWallObserver>(hung));
        var outbox = primary.GetRequiredService<WallOutbox>();

        // The outbox looks up the observers every few seconds: probe until this one has its lane.
        for (var i = 0; i < 100 && recorder.Received.IsEmpty; i++)
        {
            outbox.Post(WallMessage.Of(WallTopics.Wall, Method, -1));
            await Task.Delay(100);
        }
        Assert.False(recorder.Received.IsEmpty);
        // The hung silo has its lane too by now (it was registered first), and that lane is stuck on its first batch.
        await Task.Delay(200);
        recorder.Received.Clear();

        const int n = 5000;
        for (var i = 0; i < n; i++) outbox.Post(WallMessage.Of(WallTopics.Wall, Method, i));
        for (var i = 0; i < 100 && recorder.Received.Count < n; i++) await Task.Delay(100);

        Assert.Equal(Enumerable.Range(0, n), recorder.Received);
        GC.KeepAlive(recorder);
        GC.KeepAlive(hung);
    }

    [Fact]
    public async Task Messages_posted_before_any_wall_is_known_reach_the_first_walls_ahead_of_later_ones()
    {
        // A silo starting: an emergency declared at once is published before the outbox has looked up any observer.
        const string method = "earlyProbe";
        var primary = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services;
        var outbox = new WallOutbox(primary.GetRequiredService<IGrainFactory>(), NullLogger<WallOutbox>.Instance);
        for (var i = 0; i < 100; i++) outbox.Post(WallMessage.Of(WallTopics.Wall, method, i));
        var recorder = new Recorder(method);
        await fixture.Grains.GetGrain<IWallDirectoryGrain>(0).Register(fixture.Cluster.Primary!.SiloAddress.ToString(),
            primary.GetRequiredService<IGrainFactory>().CreateObjectReference<IWallObserver>(recorder));

        await outbox.StartAsync(CancellationToken.None);
        for (var i = 100; i < 200; i++) outbox.Post(WallMessage.Of(WallTopics.Wall, method, i));
        for (var i = 0; i < 100 && recorder.Received.Count < 200; i++) await Task.Delay(100);

        Assert.Equal(Enumerable.Range(0, 200), recorder.Received);
        await outbox.StopAsync(CancellationToken.None);
        GC.KeepAlive(recorder);
    }
}
