using System.Diagnostics;
using Hotline.Ops.Contracts;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Hotline.Ops.Grains;

/// <summary>
/// The silos' hub observers. Kept in memory: silos re-register every few seconds, so a restart loses nothing. Only
/// observers of silos the membership holds active are listed: a dead silo's drops out at once, not at its expiry.
/// </summary>
public sealed class WallDirectoryGrain(IClusterMembershipService membership) : Grain, IWallDirectoryGrain
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(45);
    private readonly Dictionary<string, (IWallObserver Observer, long At)> _observers = [];

    public Task Register(string silo, IWallObserver observer)
    {
        _observers[silo] = (observer, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<IWallObserver>> List()
    {
        foreach (var dead in _observers.Where(o => Stopwatch.GetElapsedTime(o.Value.At) > Expiry).Select(o => o.Key).ToList())
            _observers.Remove(dead);
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress.ToString()).ToHashSet();
        return Task.FromResult<IReadOnlyList<IWallObserver>>(_observers.Where(o => active.Contains(o.Key)).Select(o => o.Value.Observer).ToList());
    }
}

/// <summary>Pushes a message to every silo's observer; a stateless worker on the caller's silo, with a short-lived cache.</summary>
[StatelessWorker]
public sealed class WallPublisherGrain(ILogger<WallPublisherGrain> logger) : Grain, IWallPublisherGrain
{
    private IReadOnlyList<IWallObserver> _observers = [];
    private long _fetchedAt;

    public async Task Publish(WallMessage message)
    {
        if (_fetchedAt == 0 || Stopwatch.GetElapsedTime(_fetchedAt) > TimeSpan.FromSeconds(3))
        {
            _observers = await GrainFactory.GetGrain<IWallDirectoryGrain>(0).List();
            _fetchedAt = Stopwatch.GetTimestamp();
        }
        foreach (var o in _observers)
        {
            try { await o.Push(message); }
            catch (Exception ex) { logger.LogDebug(ex, "A wall observer did not take {Method}", message.Method); }
        }
    }
}

public static class WallPublishing
{
    public static Task Publish(this IGrainFactory grains, WallMessage message) =>
        grains.GetGrain<IWallPublisherGrain>(0).Publish(message);
}
