namespace Hotline.Ops.Domain;

/// <summary>
/// A unit-month's forecast from its ledger: the one path shared by the unit ledger (scorecard, league table) and the
/// calibration bench, so what the bench measures is what the units see.
/// </summary>
public static class UnitForecasts
{
    /// <summary>The table's forecast at <paramref name="now"/> from the orders counting in the unit-month: their summed
    /// counts and the still-open ones' dispatch and deadline. Seeded by unit and month: the same state gives the same answer.</summary>
    /// <param name="draws">Monte Carlo draws (default 2,000, what the live scorecard takes: a draw's cost does not grow
    /// with the open orders, see <see cref="Forecasts"/>).</param>
    public static GradeForecast? For(string unitId, string month, AssessmentChannel channel, AssessmentCounts counts,
        IEnumerable<OrderContribution> members, DateTimeOffset now, GradeBounds bounds, int draws = 2000) =>
        Forecasts.Simulate(new ForecastInput(channel, counts, Open(members, channel), now, month, bounds, Seed(unitId, month), draws));

    /// <summary>The table's orders still awaiting a reply.</summary>
    public static List<OpenOrder> Open(IEnumerable<OrderContribution> members, AssessmentChannel channel) =>
        members.Where(c => c.Open && c.Channel == channel).Select(c => new OpenOrder(c.DispatchedAt, c.Deadline)).ToList();

    /// <summary>The counts of one table: the sum of its members' contributions.</summary>
    public static AssessmentCounts Sum(IEnumerable<OrderContribution> members, AssessmentChannel channel)
    {
        AssessmentCounts n = default;
        foreach (var c in members) if (c.Channel == channel) n += c.Counts;
        return n;
    }

    /// <summary>The forecast's seed: the same for a unit-month in every process.</summary>
    public static int Seed(string unitId, string month) => unchecked((int)StableHash.Of(unitId + "/" + month));
}

/// <summary>A unit-month's counts as they stood at the end of a city day (the last change that day).</summary>
public sealed record DayCounts(DateOnly Date, AssessmentCounts Hotline, AssessmentCounts Mailbox);
