using System.Runtime.InteropServices;

namespace Hotline.Ops.Domain;

/// <summary>
/// Where a unit's table may end the month: the expected score, its 10th–90th percentile interval, the probability of
/// each final grade and the most probable grade. A finished month (or nothing left to happen) is a point mass.
/// </summary>
public sealed record GradeForecast(
    decimal ExpectedScore, Grade ExpectedGrade, decimal Low = 0, decimal High = 0, IReadOnlyDictionary<Grade, double>? Probabilities = null);

/// <summary>An order still awaiting the unit's reply: when it was dispatched and when it is due.</summary>
public readonly record struct OpenOrder(DateTimeOffset DispatchedAt, DateTimeOffset Deadline);

/// <summary>What a forecast starts from. <paramref name="Open"/> are the table's orders awaiting a reply (their counts
/// are already in <paramref name="Counts"/>: due, not handled).</summary>
public sealed record ForecastInput(
    AssessmentChannel Channel, AssessmentCounts Counts, IReadOnlyList<OpenOrder> Open, DateTimeOffset Now, string Month,
    GradeBounds? Bounds = null, int Seed = 12345, int Draws = 2000);

/// <summary>
/// A deterministic Monte Carlo forecast (seeded) from the unit's own record with weak priors at city-typical rates:
/// <list type="bullet">
/// <item>on time given replied ~ Beta (prior 95 %, weight 4); an open order a fraction f through its time is still
/// replied on time with p(1−f)/(1−pf) — replies before the deadline taken as spread evenly over its time;</item>
/// <item>an order past its deadline is late; it is still handled if replied by month end, late replies arriving after
/// an exponential delay (mean 2 days) from the later of now and its deadline;</item>
/// <item>rework per handled order ~ Gamma–Poisson (prior 5 %), follow-ups per handled order ~ Gamma–Poisson (prior
/// 0.5), dissatisfied per follow-up ~ Beta (prior 5 %) — applied to the orders handled from now on;</item>
/// <item>new orders due this month ~ Poisson at the unit's rate so far (due per elapsed day), over the days left
/// minus a 3-day lead (an order dispatched in the last days is mostly due next month); they behave like fresh open orders.</item>
/// </list>
/// Once the month is over nothing can change: the current counts are final (open orders stay unhandled).
/// <para>Cost: within a draw, open orders with the same fraction through their time and the same chance of a late reply
/// by month end are exchangeable, so they are grouped once per forecast (both quantised to 1/256; a group carries its
/// members' mean of each) and each draw takes two binomial counts per group. A draw costs O(groups), at most 257 × 257
/// whatever the number of open orders (the forecast-cost benchmark: 65 groups at 100 open orders, 386 at 100,000;
/// deadlines fall at the end of a working day). Groups of fewer than <see cref="SeededRandom.BernoulliBelow"/> orders
/// are drawn order by order, which is cheaper.</para>
/// </summary>
public static class Forecasts
{
    private const double PriorWeight = 4, PriorOnTime = 0.95, PriorRework = 0.05, PriorFollowUps = 0.5, PriorDissatisfied = 0.05;
    private static readonly TimeSpan LateReplyMean = TimeSpan.FromDays(2), NewOrderLead = TimeSpan.FromDays(3);

    /// <summary>Steps per unit of the grids the open orders are grouped on (fraction through time, late-reply chance).</summary>
    public const int GroupGrid = 256;

    /// <summary>
    /// The cheap forecast for views that know only the counts and how many orders are open (the city's league table
    /// falls back to it for a unit whose ledger sent no forecast): open orders as fresh, no new volume, 200 draws. The
    /// open orders are one group, so the cost does not grow with their number.
    /// </summary>
    public static GradeForecast? Expected(AssessmentChannel channel, AssessmentCounts n, int open, GradeBounds? bounds = null)
    {
        if (n.Due <= 0) return null;
        var start = new DateTimeOffset(2000, 1, 1, 0, 0, 0, CityTime.Offset);
        // "now" at the start of a long month: every open order fresh, and no new volume (the lead covers it).
        var input = new ForecastInput(channel, n, [], start, "2000-01", bounds, Draws: 200);
        var fresh = new OpenOrder(start, start.AddDays(10));
        var groups = open <= 0 ? [] : new[] { new OrderGroup(open, FractionThrough(fresh, start), LateReplyByMonthEnd(LateWindowDays(fresh, start, CityTime.EndOfMonth("2000-01")))) };
        return Simulate(input, groups, withNewVolume: false);
    }

    public static GradeForecast? Simulate(ForecastInput input) => Simulate(input, groups: null, withNewVolume: true);

    /// <summary>Open orders that behave alike within a draw: how many, and their mean fraction through their time and
    /// mean chance of a late reply by month end.</summary>
    public readonly record struct OrderGroup(int Count, double Fraction, double LateByMonthEnd);

    /// <summary>The open orders grouped on the 1/<see cref="GroupGrid"/> grids (see the class remarks), in grid order, so
    /// the forecast does not depend on the orders' order. Orders past their deadline (fraction 1) get their own cells.</summary>
    public static OrderGroup[] Group(IReadOnlyList<OpenOrder> open, DateTimeOffset now, DateTimeOffset monthEnd)
    {
        var cells = new Dictionary<int, (int Count, double SumFraction, double SumLate)>();
        foreach (var o in open)
        {
            var f = FractionThrough(o, now);
            var late = LateReplyByMonthEnd(LateWindowDays(o, now, monthEnd));
            var key = (f >= 1 ? GroupGrid : Math.Min(GroupGrid - 1, (int)(f * GroupGrid))) * (GroupGrid + 1)
                + Math.Min(GroupGrid, (int)(late * GroupGrid));
            ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(cells, key, out _);
            cell = (cell.Count + 1, cell.SumFraction + f, cell.SumLate + late);
        }
        return cells.OrderBy(c => c.Key)
            .Select(c => new OrderGroup(c.Value.Count, c.Value.SumFraction / c.Value.Count, c.Value.SumLate / c.Value.Count))
            .ToArray();
    }

    /// <summary>How far through its time an open order is at <paramref name="now"/>: 1 once past its deadline.</summary>
    private static double FractionThrough(OpenOrder o, DateTimeOffset now)
    {
        var total = (o.Deadline - o.DispatchedAt).TotalSeconds;
        return now >= o.Deadline ? 1 : total <= 0 ? 0 : Math.Clamp((now - o.DispatchedAt).TotalSeconds / total, 0, 1);
    }

    /// <summary>How long a late reply to an open order has until month end: from the later of now and its deadline.</summary>
    private static double LateWindowDays(OpenOrder o, DateTimeOffset now, DateTimeOffset monthEnd) =>
        Math.Max(0, (monthEnd - (now > o.Deadline ? now : o.Deadline)).TotalDays);

    private static GradeForecast? Simulate(ForecastInput input, OrderGroup[]? groups, bool withNewVolume)
    {
        var n = input.Counts;
        var bounds = input.Bounds ?? GradeBounds.Default;
        var monthEnd = CityTime.EndOfMonth(input.Month);
        CityTime.TryParseMonth(input.Month, out var first);
        var monthStart = CityTime.StartOfDay(first);
        var now = input.Now;
        var over = now >= monthEnd;
        groups = over ? [] : groups ?? Group(input.Open, now, monthEnd);
        double expectedNew = 0;
        if (withNewVolume && !over && n.Due > 0)
        {
            var elapsed = Math.Max(1, (now - monthStart).TotalDays);
            expectedNew = n.Due / elapsed * Math.Max(0, (monthEnd - now - NewOrderLead).TotalDays);
        }
        if (groups.Length == 0 && expectedNew == 0)
            return n.Due <= 0 ? null : PointMass(input.Channel, n, bounds);

        var rng = new SeededRandom(input.Seed);
        // A new order: fresh, due halfway through what is left.
        var newLate = LateReplyByMonthEnd((monthEnd - now).TotalDays / 2);
        var closedReplied = n.Handled;

        var scores = new decimal[input.Draws];
        var grades = new int[5];
        for (var d = 0; d < input.Draws; d++)
        {
            var pOnTime = rng.Beta(n.OnTime + PriorWeight * PriorOnTime, Math.Max(0, closedReplied - n.OnTime) + PriorWeight * (1 - PriorOnTime));
            var reworkRate = rng.Gamma(n.Rework + PriorWeight * PriorRework) / (closedReplied + PriorWeight);
            var followRate = rng.Gamma(n.FollowUps + PriorWeight * PriorFollowUps) / (closedReplied + PriorWeight);
            var pDissatisfied = rng.Beta(n.Dissatisfied + PriorWeight * PriorDissatisfied, n.SatisfiedTotal + PriorWeight * (1 - PriorDissatisfied));

            int handled = 0, onTime = 0;
            foreach (var g in groups)
            {
                var still = StillOnTime(pOnTime, g.Fraction);
                if (g.Count < SeededRandom.BernoulliBelow)
                {
                    // A few orders: one by one is cheaper than two binomial draws.
                    for (var i = 0; i < g.Count; i++)
                    {
                        if (rng.NextDouble() < still) { onTime++; handled++; }
                        else if (rng.NextDouble() < g.LateByMonthEnd) handled++;
                    }
                    continue;
                }
                var inTime = rng.Binomial(g.Count, still);
                onTime += inTime;
                handled += inTime + rng.Binomial(g.Count - inTime, g.LateByMonthEnd);
            }
            var fresh = expectedNew > 0 ? rng.Poisson(expectedNew) : 0;
            var freshInTime = rng.Binomial(fresh, pOnTime);
            onTime += freshInTime;
            handled += freshInTime + rng.Binomial(fresh - freshInTime, newLate);
            var rework = rng.Poisson(reworkRate * handled);
            var follow = rng.Poisson(followRate * handled);
            var dissatisfied = rng.Binomial(follow, pDissatisfied);
            var final = n + new AssessmentCounts(fresh, handled, onTime, rework, follow - dissatisfied, 0, dissatisfied);
            var score = Scoring.Score(input.Channel, final)!.Value;
            scores[d] = score;
            grades[(int)bounds.GradeOf(score)]++;
        }
        Array.Sort(scores);
        var mean = scores.Average();
        var probabilities = Enum.GetValues<Grade>().ToDictionary(g => g, g => (double)grades[(int)g] / input.Draws);
        // The most probable grade; a tie goes to the better grade.
        var best = Enum.GetValues<Grade>().OrderByDescending(g => grades[(int)g]).ThenBy(g => g).First();
        return new GradeForecast(Math.Round(mean, Scoring.Decimals(input.Channel), MidpointRounding.AwayFromZero), best,
            Percentile(scores, 0.10), Percentile(scores, 0.90), probabilities);
    }

    /// <summary>The chance an open order is still replied on time, a fraction <paramref name="f"/> through its time.</summary>
    internal static double StillOnTime(double pOnTime, double f) => f >= 1 ? 0 : pOnTime * (1 - f) / (1 - pOnTime * f);

    /// <summary>The unit's on-time rate given a reply, with the weak city prior (the posterior mean).</summary>
    internal static double OnTimeRate(AssessmentCounts n) =>
        (n.OnTime + PriorWeight * PriorOnTime) / (Math.Max(n.Handled, n.OnTime) + PriorWeight);

    internal static double LateReplyByMonthEnd(double windowDays) => 1 - Math.Exp(-Math.Max(0, windowDays) / LateReplyMean.TotalDays);

    private static GradeForecast PointMass(AssessmentChannel channel, AssessmentCounts n, GradeBounds bounds)
    {
        var score = Scoring.Score(channel, n)!.Value;
        var grade = bounds.GradeOf(score);
        return new GradeForecast(score, grade, score, score, Enum.GetValues<Grade>().ToDictionary(g => g, g => g == grade ? 1.0 : 0.0));
    }

    private static decimal Percentile(decimal[] sorted, double q) => sorted[Math.Clamp((int)Math.Floor(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
}
