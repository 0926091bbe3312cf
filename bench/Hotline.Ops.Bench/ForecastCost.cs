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

    public static string Measure(bool smoke)
    {
        var sizes = smoke ? Sizes.Take(2).ToArray() : Sizes;
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("## Forecast cost").AppendLine();
        sb.AppendLine("| open orders | 2,000 draws ms | live draws | live ms | league fallback (Expected, 200 draws) ms |");
        sb.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in sizes)
        {
            var input = Input(n);
            var rounds = Rounds(n, smoke);
            var full = BestMs(() => Forecasts.Simulate(input), rounds);
            var liveDraws = Forecasts.DrawsFor(n);
            var live = BestMs(() => Forecasts.Simulate(input with { Draws = liveDraws }), rounds);
            var expected = BestMs(() => Forecasts.Expected(AssessmentChannel.Hotline, input.Counts, n), rounds);
            sb.AppendLine($"| {n:N0} | {full:F2} | {liveDraws:N0} | {live:F2} | {expected:F2} |");
        }
        return sb.ToString();
    }
}
