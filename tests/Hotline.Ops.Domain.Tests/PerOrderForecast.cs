using Hotline.Ops.Domain;

namespace Hotline.Ops.Domain.Tests;

/// <summary>
/// The forecast model as first written, kept only to check the grouped <see cref="Forecasts.Simulate(ForecastInput)"/>
/// against: every open order and every new order drawn one by one from a seeded <see cref="Random"/> in every draw
/// (cost draws × orders). The model's parameters are those documented on <see cref="Forecasts"/>.
/// </summary>
internal static class PerOrderForecast
{
    private const double PriorWeight = 4, PriorOnTime = 0.95, PriorRework = 0.05, PriorFollowUps = 0.5, PriorDissatisfied = 0.05;
    private const double LateReplyMeanDays = 2, NewOrderLeadDays = 3;

    public static GradeForecast Simulate(ForecastInput input)
    {
        var n = input.Counts;
        var bounds = input.Bounds ?? GradeBounds.Default;
        var monthEnd = CityTime.EndOfMonth(input.Month);
        CityTime.TryParseMonth(input.Month, out var first);
        var now = input.Now;
        var elapsed = Math.Max(1, (now - CityTime.StartOfDay(first)).TotalDays);
        var expectedNew = n.Due / elapsed * Math.Max(0, (monthEnd - now).TotalDays - NewOrderLeadDays);
        var rng = new Random(input.Seed);
        var open = input.Open;
        var fraction = new double[open.Count];
        var lateWindow = new double[open.Count];
        for (var i = 0; i < open.Count; i++)
        {
            var o = open[i];
            var total = (o.Deadline - o.DispatchedAt).TotalSeconds;
            fraction[i] = now >= o.Deadline ? 1 : total <= 0 ? 0 : Math.Clamp((now - o.DispatchedAt).TotalSeconds / total, 0, 1);
            lateWindow[i] = Math.Max(0, (monthEnd - (now > o.Deadline ? now : o.Deadline)).TotalDays);
        }
        var newLateWindow = Math.Max(0, (monthEnd - now).TotalDays / 2);
        var scores = new decimal[input.Draws];
        var grades = new int[5];
        for (var d = 0; d < input.Draws; d++)
        {
            var pOnTime = Beta(rng, n.OnTime + PriorWeight * PriorOnTime, Math.Max(0, n.Handled - n.OnTime) + PriorWeight * (1 - PriorOnTime));
            var reworkRate = Gamma(rng, n.Rework + PriorWeight * PriorRework) / (n.Handled + PriorWeight);
            var followRate = Gamma(rng, n.FollowUps + PriorWeight * PriorFollowUps) / (n.Handled + PriorWeight);
            var pDissatisfied = Beta(rng, n.Dissatisfied + PriorWeight * PriorDissatisfied, n.SatisfiedTotal + PriorWeight * (1 - PriorDissatisfied));
            int handled = 0, onTime = 0;
            for (var i = 0; i < open.Count; i++)
            {
                var f = fraction[i];
                var still = f >= 1 ? 0 : pOnTime * (1 - f) / (1 - pOnTime * f);
                if (rng.NextDouble() < still) { handled++; onTime++; }
                else if (rng.NextDouble() < 1 - Math.Exp(-lateWindow[i] / LateReplyMeanDays)) handled++;
            }
            var fresh = expectedNew > 0 ? Poisson(rng, expectedNew) : 0;
            for (var i = 0; i < fresh; i++)
            {
                if (rng.NextDouble() < pOnTime) { handled++; onTime++; }
                else if (rng.NextDouble() < 1 - Math.Exp(-newLateWindow / LateReplyMeanDays)) handled++;
            }
            var rework = Poisson(rng, reworkRate * handled);
            var follow = Poisson(rng, followRate * handled);
            var dissatisfied = 0;
            for (var i = 0; i < follow; i++) if (rng.NextDouble() < pDissatisfied) dissatisfied++;
            var score = Scoring.Score(input.Channel, n + new AssessmentCounts(fresh, handled, onTime, rework, follow - dissatisfied, 0, dissatisfied))!.Value;
            scores[d] = score;
            grades[(int)bounds.GradeOf(score)]++;
        }
        Array.Sort(scores);
        decimal Percentile(double q) => scores[(int)Math.Floor(q * (scores.Length - 1))];
        return new GradeForecast(Math.Round(scores.Average(), Scoring.Decimals(input.Channel), MidpointRounding.AwayFromZero),
            Enum.GetValues<Grade>().OrderByDescending(g => grades[(int)g]).ThenBy(g => g).First(),
            Percentile(0.10), Percentile(0.90), Enum.GetValues<Grade>().ToDictionary(g => g, g => (double)grades[(int)g] / input.Draws));
    }

    private static double Beta(Random rng, double a, double b)
    {
        var x = Gamma(rng, a);
        var y = Gamma(rng, b);
        return x / (x + y);
    }

    private static double Gamma(Random rng, double shape)
    {
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

    /// <summary>Exact: by multiplication, in chunks of mean 30 (a sum of Poissons is Poisson).</summary>
    private static int Poisson(Random rng, double mean)
    {
        var k = 0;
        for (; mean > 30; mean -= 30) k += Poisson(rng, 30);
        var l = Math.Exp(-mean);
        var p = rng.NextDouble();
        while (p > l) { k++; p *= rng.NextDouble(); }
        return k;
    }
}
