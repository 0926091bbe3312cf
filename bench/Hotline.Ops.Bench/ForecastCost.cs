using System.Diagnostics;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Bench;

/// <summary>
/// One forecast's cost against the number of open orders (issue 10): a unit-month mid-March 2024 whose open orders were
/// dispatched at random since the 1st with the default deadline policy (consultation, help, complaint, some urgent),
/// as many already closed as open. Stopwatch after a warm-up, best of a few rounds.
/// </summary>
public static class ForecastCost
{
    public static readonly int[] Sizes = [100, 1_000, 10_000, 100_000];

    public static ForecastInput Input(int open, int draws = 2000)
    {
        var rng = new Random(open);
        var monthStart = CityTime.StartOfDay(new DateOnly(2024, 3, 1));
        var now = new DateTimeOffset(2024, 3, 15, 12, 0, 0, CityTime.Offset);
        var monthEnd = CityTime.EndOfMonth("2024-03");
        RequestType[] types = [RequestType.Consultation, RequestType.Help, RequestType.Complaint];
        var orders = new List<OpenOrder>(open);
        while (orders.Count < open)
        {
            var at = monthStart + (now - monthStart) * rng.NextDouble();
            var deadline = DeadlinePolicy.Default.HandlingDeadline(WorkingCalendar.China, at, types[rng.Next(types.Length)],
                rng.NextDouble() < 0.03 ? Urgency.Urgent : Urgency.Normal);
            if (deadline <= monthEnd) orders.Add(new OpenOrder(at, deadline)); // only orders due this month count here
        }
        var closed = open;
        var followUps = closed / 2;
        var dissatisfied = followUps / 20;
        var counts = new AssessmentCounts(open + closed, closed, closed * 9 / 10, closed / 50, followUps - dissatisfied, 0, dissatisfied);
        return new ForecastInput(AssessmentChannel.Hotline, counts, orders, now, "2024-03", Seed: 12345, Draws: draws);
    }

    /// <summary>Best wall time of <paramref name="rounds"/> calls after one warm-up call, in milliseconds.</summary>
    public static double BestMs(Action call, int rounds)
    {
        call();
        var best = double.MaxValue;
        for (var i = 0; i < rounds; i++)
        {
            var sw = Stopwatch.StartNew();
            call();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    private static int Rounds(int open, bool smoke) => smoke ? 1 : open <= 1_000 ? 20 : open <= 10_000 ? 5 : 2;

    /// <summary>The old code path (per-order draws from a seeded System.Random; live draws cut by the order-draw budget),
    /// one run of this section on commit 618293f (2026-11-25 22:08 UTC, load average 5.9 → 3.5): open orders → ms for
    /// 2,000 draws, the live draws and their ms, the league fallback's ms.</summary>
    private static readonly Dictionary<int, (double Full, int LiveDraws, double Live, double Expected)> Before = new()
    {
        [100] = (6.83, 2_000, 6.75, 0.38),
        [1_000] = (44.04, 400, 17.91, 2.66),
        [10_000] = (895.24, 200, 89.16, 25.74),
        [100_000] = (9047.51, 200, 912.32, 256.06),
    };

    public static string Measure(bool smoke)
    {
        var sizes = smoke ? Sizes.Take(2).ToArray() : Sizes;
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("## Forecast cost").AppendLine();
        sb.AppendLine("One live forecast (`Forecasts.Simulate`, 2,000 draws: what a unit ledger's scorecard rebuilds at most every 5 s) and");
        sb.AppendLine("the league table's fallback (`Forecasts.Expected`, 200 draws) for one unit-month mid-March 2024 with N open orders");
        sb.AppendLine("(dispatched at random since the 1st, default deadlines, as many closed as open). Best of a few calls after a warm-up.");
        sb.AppendLine("Before: the per-order loop with a seeded `System.Random`, which cut a big unit's live draws to 400,000 order-draws");
        sb.AppendLine("(at least 200 draws); figures of one run on the old code (commit 618293f), kept here. After: open orders grouped");
        sb.AppendLine("by (fraction through their time, late-reply chance by month end) on 1/256 grids, two binomial counts per group per");
        sb.AppendLine("draw, xoshiro256**; every forecast takes the full 2,000 draws. Ratios: before ÷ after.").AppendLine();
        sb.AppendLine("| open orders | groups | before: 2,000 draws ms | before: live draws | before: live ms | after: 2,000 draws ms | ratio vs 2,000 draws | ratio vs live | fallback before ms | fallback after ms | ratio |");
        sb.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in sizes)
        {
            var input = Input(n);
            var rounds = Rounds(n, smoke);
            var groups = Forecasts.Group(input.Open, input.Now, CityTime.EndOfMonth(input.Month)).Length;
            var full = BestMs(() => Forecasts.Simulate(input), rounds);
            var expected = BestMs(() => Forecasts.Expected(AssessmentChannel.Hotline, input.Counts, n), rounds);
            var b = Before[n];
            sb.AppendLine($"| {n:N0} | {groups:N0} | {b.Full:F2} | {b.LiveDraws:N0} | {b.Live:F2} | {full:F2} | {b.Full / full:F1} | {b.Live / full:F1} | {b.Expected:F2} | {expected:F3} | {b.Expected / expected:F1} |");
        }
        return sb.ToString();
    }
}
