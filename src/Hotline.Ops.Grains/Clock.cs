using Hotline.Ops.Contracts;

namespace Hotline.Ops.Grains;

/// <summary>Told the time of every accepted event; only the event clock listens.</summary>
public interface IEventTimeSink
{
    void Observe(DateTimeOffset at);
}

public sealed class NoEventTimeSink : IEventTimeSink
{
    public void Observe(DateTimeOffset at) { }
}

/// <summary>
/// The clock of a replay (--clock event): now is the latest event time accepted, never going back. Before the first
/// event it is the restored high-water mark, or else the wall clock.
/// </summary>
public sealed class EventClock(TimeProvider fallback) : TimeProvider, IEventTimeSink
{
    private long _utcTicks;

    public bool HasTime => Interlocked.Read(ref _utcTicks) != 0;

    public override DateTimeOffset GetUtcNow()
    {
        var t = Interlocked.Read(ref _utcTicks);
        return t == 0 ? fallback.GetUtcNow() : new DateTimeOffset(t, TimeSpan.Zero);
    }

    public void Observe(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        for (var seen = Interlocked.Read(ref _utcTicks); ticks > seen; seen = Interlocked.Read(ref _utcTicks))
            if (Interlocked.CompareExchange(ref _utcTicks, ticks, seen) == seen) return;
    }
}

[GenerateSerializer]
public sealed class ClockRecord
{
    [Id(0)] public DateTimeOffset? HighWater { get; set; }
}

public sealed class ClockGrain([PersistentState("clock", GrainStorage.Name)] IPersistentState<ClockRecord> record) : Grain, IClockGrain
{
    public async Task Advance(DateTimeOffset t)
    {
        if (record.State.HighWater >= t) return;
        record.State.HighWater = t;
        await record.WriteStateAsync();
    }

    public Task<DateTimeOffset?> Get() => Task.FromResult(record.State.HighWater);
}

/// <summary>
/// The time the hotline's logic runs on: the wall clock, or the event clock in replays. A type of its own because
/// the Orleans runtime takes the container's <see cref="TimeProvider"/> for its own scheduling, which must stay real.
/// </summary>
public sealed class CityClock(TimeProvider source) : TimeProvider
{
    public TimeProvider Source { get; } = source;

    /// <summary>False only for an event clock before its first event: it then reads the wall clock, which says nothing
    /// of the events' time (nothing should be judged old by it).</summary>
    public bool KnowsTime => Source is not EventClock { HasTime: false };
    public override DateTimeOffset GetUtcNow() => Source.GetUtcNow();
    public override long GetTimestamp() => Source.GetTimestamp();
}
