using Hotline.Ops.Domain;

namespace Hotline.Ops.Domain.Tests;

public sealed class CadenceTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Quarter = TimeSpan.FromMilliseconds(250);
    private static readonly DateTimeOffset Whole = new(2024, 2, 5, 1, 30, 7, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 1000)]     // on a beat: the next one, a period on
    [InlineData(1, 999)]
    [InlineData(400, 600)]
    [InlineData(999, 1000 + 1)] // a beat 1 ms away (under a fiftieth of the period) is skipped
    [InlineData(979, 21)]
    public void The_wait_runs_to_the_next_whole_second(int msIntoSecond, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Cadence.UntilNext(Whole.AddMilliseconds(msIntoSecond), Second));

    [Theory]
    [InlineData(0, 50)]
    [InlineData(49, 1001)]  // 1 ms before the beat: too close, the one after
    [InlineData(30, 20)]
    [InlineData(50, 1000)]
    [InlineData(700, 350)]
    public void An_offset_moves_the_beat_within_the_period(int msIntoSecond, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Cadence.UntilNext(Whole.AddMilliseconds(msIntoSecond), Second, TimeSpan.FromMilliseconds(50)));

    /// <summary>What the wall's latency rests on: the city's beat falls just after a silo's hand-over, whatever the time
    /// zone of the offset the clock reports, and a hand-over's beats include every whole second.</summary>
    [Fact]
    public void The_city_publishes_just_after_a_hand_over_on_any_clock_reading()
    {
        var lag = TimeSpan.FromMilliseconds(50);
        for (var ms = 0; ms < 3000; ms += 7)
        {
            var now = new DateTimeOffset(Whole.AddMilliseconds(ms).DateTime.AddHours(8), TimeSpan.FromHours(8));
            var publish = now + Cadence.UntilNext(now, Second, lag);
            Assert.Equal(lag.Ticks, (publish.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % Second.Ticks);
            var handOver = publish - lag;
            // The hand-over at that whole second is one of the silos' quarter-second beats.
            Assert.Equal(handOver, handOver - Quarter + Cadence.UntilNext(handOver - Quarter, Quarter));
        }
    }

    /// <summary>Why ledgers take a phase of their own: the month's ~70 ledgers wake together under load, and on one phase
    /// they would all build their forecasts in the same quarter-second (bench FINDINGS item 38).</summary>
    [Fact]
    public void The_months_ledgers_spread_their_forecasts_over_the_period_and_keep_their_phase()
    {
        var period = TimeSpan.FromSeconds(5);
        var ledgers = SeedUnits.All.Select(u => $"{u.Id}/2024-02").ToList(); // a ledger's key: unit and month
        var phases = ledgers.Select(k => Cadence.PhaseOf(k, period)).ToList();
        Assert.All(phases, p => Assert.InRange(p, TimeSpan.Zero, period - TimeSpan.FromMilliseconds(1)));
        var perQuarter = phases.GroupBy(p => (int)(p / Quarter)).Select(g => g.Count()).ToList();
        Assert.True(perQuarter.Max() <= ledgers.Count / 6, $"the busiest quarter-second holds {perQuarter.Max()} of {ledgers.Count} ledgers");
        Assert.Equal(5, phases.Select(p => (int)(p / Second)).Distinct().Count());
        // The same in every process and run (a stable hash, not string.GetHashCode): the key's FNV-1a, computed outside .NET.
        Assert.Equal(TimeSpan.FromMilliseconds(2_878_512_772 % 5_000), Cadence.PhaseOf("chenglingji-port-district/2024-02", period));
    }

    [Fact]
    public void A_period_that_is_not_positive_or_an_offset_outside_it_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Cadence.UntilNext(Whole, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cadence.UntilNext(Whole, Second, Second));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cadence.UntilNext(Whole, Second, TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cadence.PhaseOf("unit/2024-02", TimeSpan.FromTicks(9_999)));
    }

    [Fact]
    public void Before_the_epoch_the_beats_keep_their_phase() =>
        Assert.Equal(TimeSpan.FromMilliseconds(750), Cadence.UntilNext(DateTimeOffset.UnixEpoch.AddMilliseconds(-750 - 1000), Second));
}
