using System.Diagnostics;
using Hotline.Ops.Contracts;
using Microsoft.Extensions.Logging;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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

/// <summary>
/// This silo's outbox of wall messages, with one lane per silo's observer. Orleans does not keep the order of one-way
/// calls (a burst of them to an observer arrived reversed; CI once saw a surge's first update before its start), so a
/// lane sends its messages in batches, one call at a time, the next only once the last is answered: a surge's start
/// reaches the wall before its updates and its end last. A silo that died holds up only its own lane, which is bounded.
/// </summary>
public sealed class WallOutbox(IGrainFactory grains, ILogger<WallOutbox> logger) : BackgroundService
{
    private const int LaneCapacity = 10_000;
    private const int BatchSize = 256;
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(3);
    private readonly Lock _gate = new();
    /// <summary>Written under <see cref="_gate"/>; read without it only by the loop that writes it.</summary>
    private Lane[] _lanes = [];
    /// <summary>What was posted while no observer was known (a silo starting: an emergency declared at once).</summary>
    private readonly Queue<WallMessage> _early = new();

    /// <summary>Queues the message for every silo's walls, behind the messages posted before it; never waits.</summary>
    public void Post(WallMessage message)
    {
        lock (_gate)
        {
            if (_lanes.Length == 0)
            {
                if (_early.Count == LaneCapacity) _early.Dequeue();
                _early.Enqueue(message);
                return;
            }
            foreach (var lane in _lanes) lane.Messages.Writer.TryWrite(message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { Follow(await grains.GetGrain<IWallDirectoryGrain>(0).List()); }
            catch (Exception ex) when (!ct.IsCancellationRequested) { logger.LogDebug(ex, "Wall observers not listed; retrying"); }
            // Until the first observer is known (the silo starting), look again soon.
            try { await Task.Delay(_lanes.Length == 0 ? TimeSpan.FromMilliseconds(250) : Refresh, ct); }
            catch (OperationCanceledException) { break; }
        }
        foreach (var lane in _lanes) lane.Messages.Writer.TryComplete();
    }

    /// <summary>Opens a lane for each new observer and closes those of silos no longer listed.</summary>
    private void Follow(IReadOnlyList<IWallObserver> observers)
    {
        var lanes = observers.Select(o => _lanes.FirstOrDefault(l => l.Observer.GetGrainId() == o.GetGrainId()) ?? Lane.Open(o, logger)).ToArray();
        foreach (var closed in _lanes.Except(lanes)) closed.Messages.Writer.TryComplete();
        lock (_gate)
        {
            // Only while no lane was open is anything kept: the first observers get it, ahead of what is posted after.
            if (lanes.Length > 0)
            {
                foreach (var lane in lanes)
                    foreach (var m in _early) lane.Messages.Writer.TryWrite(m);
                _early.Clear();
            }
            _lanes = lanes;
        }
    }

    private sealed class Lane
    {
        public required IWallObserver Observer { get; init; }
        public Channel<WallMessage> Messages { get; } = Channel.CreateBounded<WallMessage>(
            new BoundedChannelOptions(LaneCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public static Lane Open(IWallObserver observer, ILogger logger)
        {
            var lane = new Lane { Observer = observer };
            _ = Task.Run(() => lane.Send(logger));
            return lane;
        }

        private async Task Send(ILogger logger)
        {
            var reader = Messages.Reader;
            var batch = new List<WallMessage>(BatchSize);
            var failing = false;
            while (await reader.WaitToReadAsync())
            {
                while (batch.Count < BatchSize && reader.TryRead(out var m)) batch.Add(m);
                try
                {
                    await Observer.Push([.. batch]);
                    failing = false;
                }
                catch (Exception ex)
                {
                    // A silo that died: its walls reconnect to another silo and get a fresh snapshot there.
                    if (!failing) logger.LogWarning(ex, "A silo's walls did not take {Count} messages", batch.Count);
                    failing = true;
                }
                batch.Clear();
            }
        }
    }
}

public static class WallPublishing
{
    /// <summary>Sends the message to the walls, in the order this grain publishes (through its silo's <see cref="WallOutbox"/>).</summary>
    public static void Publish(this IGrainBase grain, WallMessage message) =>
        grain.GrainContext.ActivationServices.GetRequiredService<WallOutbox>().Post(message);
}
