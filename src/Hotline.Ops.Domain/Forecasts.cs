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
/// </summary>
public static class Forecasts
{
    private const double PriorWeight = 4, PriorOnTime = 0.95, PriorRework = 0.05, PriorFollowUps = 0.5, PriorDissatisfied = 0.05;
    private static readonly TimeSpan LateReplyMean = TimeSpan.FromDays(2), NewOrderLead = TimeSpan.FromDays(3);

    /// <summary>
    /// The cheap forecast for views that know only the counts and how many orders are open (the city's league table
    /// is rebuilt every second for every unit): open orders as fresh, no new volume, 200 draws.
    /// </summary>
    public static GradeForecast? Expected(AssessmentChannel channel, AssessmentCounts n, int open, GradeBounds? bounds = null)
    {
        if (n.Due <= 0) return null;
        var start = new DateTimeOffset(2000, 1, 1, 0, 0, 0, CityTime.Offset);
        var orders = Enumerable.Repeat(new OpenOrder(start, start.AddDays(10)), Math.Max(0, open)).ToList();
        // "now" at the start of a long month: every open order fresh, and no new volume (the lead covers it).
        return Simulate(new ForecastInput(channel, n, orders, start, "2000-01", bounds, Draws: 200), withNewVolume: false);
    }

    public static GradeForecast? Simulate(ForecastInput input) => Simulate(input, withNewVolume: true);

    /// <summary>Order-draws one live forecast may cost (~8 ms): each ledger rebuilds its forecast up to once a second.</summary>
    public const int OrderDrawBudget = 400_000;

    /// <summary>
    /// Draws for a live forecast over <paramref name="openOrders"/>: 2,000 up to 200 open orders, then fewer (at least
    /// 200) so the cost stays within <see cref="OrderDrawBudget"/>. Profiled: 70 busy ledgers simulating 2,000 draws
    /// over thousands of open orders each second took most of the server's CPU during sustained ingest.
    /// </summary>
    public static int DrawsFor(int openOrders) => Math.Clamp(OrderDrawBudget / Math.Max(1, openOrders), 200, 2000);

    private static GradeForecast? Simulate(ForecastInput input, bool withNewVolume)
    {
        var n = input.Counts;
        var bounds = input.Bounds ?? GradeBounds.Default;
        var monthEnd = CityTime.EndOfMonth(input.Month);
        CityTime.TryParseMonth(input.Month, out var first);
        var monthStart = CityTime.StartOfDay(first);
        var now = input.Now;
        var over = now >= monthEnd;
        var open = over ? [] : input.Open;
        double expectedNew = 0;
        if (withNewVolume && !over && n.Due > 0)
        {
            var elapsed = Math.Max(1, (now - monthStart).TotalDays);
            expectedNew = n.Due / elapsed * Math.Max(0, (monthEnd - now - NewOrderLead).TotalDays);
        }
        if (open.Count == 0 && expectedNew == 0)
            return n.Due <= 0 ? null : PointMass(input.Channel, n, bounds);

        var rng = new Random(input.Seed);
        // Per open order: how far through its time it is, and how long a late reply has until month end.
        var fraction = new double[open.Count];
        var lateWindow = new double[open.Count];
        for (var i = 0; i < open.Count; i++)
        {
            var o = open[i];
            var total = (o.Deadline - o.DispatchedAt).TotalSeconds;
            fraction[i] = now >= o.Deadline ? 1 : total <= 0 ? 0 : Math.Clamp((now - o.DispatchedAt).TotalSeconds / total, 0, 1);
            lateWindow[i] = Math.Max(0, (monthEnd - (now > o.Deadline ? now : o.Deadline)).TotalDays);
        }
        // A new order: fresh, due halfway through what is left.
        var newLateWindow = Math.Max(0, (monthEnd - now).TotalDays / 2);
        var lateMean = LateReplyMean.TotalDays;
        var closedReplied = n.Handled;

        var scores = new decimal[input.Draws];
        var grades = new int[5];
        for (var d = 0; d < input.Draws; d++)
        {
            var pOnTime = Beta(rng, n.OnTime + PriorWeight * PriorOnTime, Math.Max(0, closedReplied - n.OnTime) + PriorWeight * (1 - PriorOnTime));
            var reworkRate = Gamma(rng, n.Rework + PriorWeight * PriorRework) / (closedReplied + PriorWeight);
            var followRate = Gamma(rng, n.FollowUps + PriorWeight * PriorFollowUps) / (closedReplied + PriorWeight);
            var pDissatisfied = Beta(rng, n.Dissatisfied + PriorWeight * PriorDissatisfied, n.SatisfiedTotal + PriorWeight * (1 - PriorDissatisfied));

            int handled = 0, onTime = 0;
            for (var i = 0; i < open.Count; i++)
            {
                var f = fraction[i];
                var pStill = StillOnTime(pOnTime, f);
                if (rng.NextDouble() < pStill) { handled++; onTime++; }
                else if (rng.NextDouble() < 1 - Math.Exp(-lateWindow[i] / lateMean)) handled++;
            }
            var fresh = expectedNew > 0 ? Poisson(rng, expectedNew) : 0;
            for (var i = 0; i < fresh; i++)
            {
                if (rng.NextDouble() < pOnTime) { handled++; onTime++; }
                else if (rng.NextDouble() < 1 - Math.Exp(-newLateWindow / lateMean)) handled++;
            }
            var rework = Poisson(rng, reworkRate * handled);
            var follow = Poisson(rng, followRate * handled);
            var dissatisfied = Binomial(rng, follow, pDissatisfied);
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

    private static double Beta(Random rng, double a, double b)
    {
        var x = Gamma(rng, a);
        var y = Gamma(rng, b);
        return x + y <= 0 ? a / (a + b) : x / (x + y);
    }

    /// <summary>Gamma(shape, 1), Marsaglia–Tsang; shapes below 1 by the usual boost.</summary>
    private static double Gamma(Random rng, double shape)
    {
        if (shape <= 0) return 0;
        if (shape < 1) return Gamma(rng, shape + 1) * Math.Pow(rng.NextDouble(), 1 / shape);
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Normal(rng); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            var u = rng.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Poisson: by multiplication for small means, a rounded normal for large ones (enough for a forecast).</summary>
    private static int Poisson(Random rng, double mean)
    {
        if (mean <= 0) return 0;
        if (mean > 30) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Normal(rng)));
        var l = Math.Exp(-mean);
        var k = 0;
        var p = rng.NextDouble();
        while (p > l) { k++; p *= rng.NextDouble(); }
        return k;
    }

    private static int Binomial(Random rng, int n, double p)
    {
        if (n <= 0 || p <= 0) return 0;
        if (n > 50) return Math.Clamp((int)Math.Round(n * p + Math.Sqrt(n * p * (1 - p)) * Normal(rng)), 0, n);
        var k = 0;
        for (var i = 0; i < n; i++) if (rng.NextDouble() < p) k++;
        return k;
    }
}
