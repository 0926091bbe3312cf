namespace Hotline.Ops.Domain;

/// <summary>
/// A fixed beat on the machine's clock: instants offset + k·period since the Unix epoch. Chores that hand work to one
/// another keep their phase this way: the silos hand their counts over on the quarter-second, and the city publishes
/// a little after each whole second, so a count waits at most a second before the walls see it, not a second plus
/// however far apart two free-running timers happened to start (up to a quarter-second more; bench FINDINGS
/// item 36). Every silo reads the same clock (NTP), so the beats line up across machines too.
/// </summary>
public static class Cadence
{
    /// <summary>
    /// The wait until the next beat after <paramref name="now"/>. A beat less than a fiftieth of a period away is
    /// skipped for the one after: a timer can fire a hair early, and would otherwise beat twice.
    /// </summary>
    public static TimeSpan UntilNext(DateTimeOffset now, TimeSpan period, TimeSpan offset = default)
    {
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), period, "A beat needs a positive period.");
        if (offset < TimeSpan.Zero || offset >= period) throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must lie within one period.");
        var intoBeat = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks - offset.Ticks) % period.Ticks;
        if (intoBeat < 0) intoBeat += period.Ticks;
        var wait = period.Ticks - intoBeat;
        return TimeSpan.FromTicks(wait < period.Ticks / 50 ? wait + period.Ticks : wait);
    }

    /// <summary>
    /// A key's own offset within <paramref name="period"/> (to the millisecond, the same in every process), for chores
    /// that must not all beat together: grains woken at once, the month's ~70 ledgers say, would otherwise keep the
    /// same phase and take the CPU in the same instant every period (bench FINDINGS item 38).
    /// </summary>
    public static TimeSpan PhaseOf(string key, TimeSpan period)
    {
        var ms = (long)period.TotalMilliseconds;
        if (ms <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "A beat needs a period of a millisecond or more.");
        return TimeSpan.FromMilliseconds(StableHash.Of(key) % ms);
    }
}
