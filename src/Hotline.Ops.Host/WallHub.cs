using System.Text.Json;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Hotline.Ops.Host.Auth;
using Microsoft.AspNetCore.SignalR;

namespace Hotline.Ops.Host;

/// <summary>
/// The live push hub (/hubs/wall). Clients join topics with Subscribe(topic) and first get a full snapshot, then the
/// coalesced changes; a client that reconnects subscribes again and so is brought up to date.
/// </summary>
public sealed class WallHub(IGrainFactory grains, CityClock clock) : Hub
{
    public async Task Subscribe(string topic)
    {
        var user = Context.User ?? throw new HubException("not authenticated");
        switch (topic)
        {
            case WallTopics.Wall when !user.IsCentre():
                throw new HubException("forbidden: the wall topic needs a wall, lead or admin token");
            case WallTopics.Lead when !user.IsInRole(Roles.Lead) && !user.IsInRole(Roles.Admin):
                throw new HubException("forbidden: the lead topic needs a lead or admin token");
            case WallTopics.Wall or WallTopics.Lead:
                await Groups.AddToGroupAsync(Context.ConnectionId, topic);
                foreach (var m in await grains.GetGrain<ICityMetricsGrain>(0).Snapshot())
                    await Clients.Caller.SendAsync(m.Method, Payload(m));
                // Emergencies under way are part of the picture: a wall opened (or reconnected) now shows the banner.
                foreach (var e in (await grains.GetGrain<IEmergencyDirectoryGrain>(0).List()).Where(e => e.Active))
                    await Clients.Caller.SendAsync(WallTopics.Methods.Emergency, new EmergencyMessage(e.Id, e.Name, "update", e.Count, e.AsOf));
                // The queues as they are now (the board pushes only changes); leads also get the agents.
                await Clients.Caller.SendAsync(WallTopics.Methods.QueueStatus, await grains.GetGrain<IQueueBoardGrain>(0).Status(withAgents: topic == WallTopics.Lead));
                break;
            case not null when topic.StartsWith("unit:", StringComparison.Ordinal):
                var unitId = topic["unit:".Length..];
                // Checked before the unit is looked up: another unit's token learns nothing about it.
                if (!user.CanReadUnit(unitId)) throw new HubException($"forbidden: this token may subscribe only to its own unit, not '{unitId}'");
                var unit = UnitKinds.IsValidId(unitId) ? grains.GetGrain<IUnitGrain>(unitId) : null;
                if (unit is null || await unit.GetProfile() is null) throw new HubException($"unknown topic '{topic}': no unit '{unitId}'");
                await Groups.AddToGroupAsync(Context.ConnectionId, topic);
                await Clients.Caller.SendAsync(WallTopics.Methods.UnitMetrics, await unit.GetScorecard(CityTime.MonthOf(clock.GetUtcNow())));
                break;
            default:
                throw new HubException($"unknown topic '{topic}': use wall, lead or unit:{{unitId}}");
        }
    }

    public Task Unsubscribe(string topic) => Groups.RemoveFromGroupAsync(Context.ConnectionId, topic);

    internal static JsonElement Payload(WallMessage m) => JsonDocument.Parse(m.Json).RootElement;
}

/// <summary>
/// This silo's observer of wall messages: it forwards each to the hub connections of this silo only, and keeps
/// itself registered with the directory (GPSTracker's per-silo hub observer).
/// </summary>
public sealed class WallHubBridge(IGrainFactory grains, IHubContext<WallHub> hub, ILocalSiloDetails silo, ILogger<WallHubBridge> logger)
    : BackgroundService, IWallObserver
{
    public async Task Push(WallMessage[] messages)
    {
        // One after another: a connection's writes keep their order only when each waits for the last.
        foreach (var m in messages) await hub.Clients.Group(m.Topic).SendAsync(m.Method, WallHub.Payload(m));
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var self = grains.CreateObjectReference<IWallObserver>(this);
        while (!ct.IsCancellationRequested)
        {
            try { await grains.GetGrain<IWallDirectoryGrain>(0).Register(silo.SiloAddress.ToString(), self); }
            catch (Exception ex) when (!ct.IsCancellationRequested) { logger.LogWarning(ex, "Wall observer not registered; retrying"); }
            try { await Task.Delay(TimeSpan.FromSeconds(10), ct); } catch (OperationCanceledException) { }
        }
    }
}

/// <summary>
/// The silo's chores: merge pre-aggregated activity into the city on every quarter-second of the machine's clock, and
/// persist the event clock and follow the cluster's. The city publishes just after each whole second
/// (<see cref="CityMetricsGrain.PublishLag"/>), so the counts of the whole-second hand-over go out at once.
/// </summary>
public sealed class SiloHeartbeat(IGrainFactory grains, ActivityBuffer activity, EmergencyRules emergencies, CityClock clock, TimeProvider machine, ILogger<SiloHeartbeat> logger) : BackgroundService
{
    private static readonly TimeSpan HandOverEvery = TimeSpan.FromMilliseconds(250);
    private int _beats;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        DateTimeOffset? savedClock = null;
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(Cadence.UntilNext(machine.GetUtcNow(), HandOverEvery), machine, ct); } catch (OperationCanceledException) { break; }
            await Beat(ref savedClock);
        }
        await Beat(ref savedClock); // the last counts before stopping
    }

    private Task Beat(ref DateTimeOffset? savedClock)
    {
        // The surge detector's watermark: this silo's clock, read before the buffer is taken (none before the event clock has a time).
        DateTimeOffset? watermark = clock.KnowsTime ? clock.GetUtcNow() : null;
        var tasks = new List<Task> { activity.FlushAsync(grains, watermark) };
        if (++_beats % 12 == 0) tasks.Add(emergencies.RefreshAsync(grains)); // every 3 s
        if (clock.Source is EventClock { HasTime: true } ec && ec.GetUtcNow() != savedClock)
        {
            savedClock = ec.GetUtcNow();
            tasks.Add(grains.GetGrain<IClockGrain>(0).Advance(savedClock.Value));
        }
        // Each silo's event clock moves with the events it takes; every second it also takes the cluster's, so a
        // grain that moves here after a silo died runs on the same time as before.
        if (clock.Source is EventClock follower && _beats % 4 == 0) tasks.Add(FollowCluster(follower));
        return Task.WhenAll(tasks).ContinueWith(t =>
        {
            if (t.Exception is { } ex) logger.LogWarning(ex.GetBaseException(), "City activity or clock not saved; retrying next second");
        }, TaskScheduler.Default);
    }

    private async Task FollowCluster(EventClock eventClock)
    {
        if (await grains.GetGrain<IClockGrain>(0).Get() is { } highWater) eventClock.Observe(highWater);
    }
}
