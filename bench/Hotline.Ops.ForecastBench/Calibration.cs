using Hotline.Ops.Domain;
using Hotline.Ops.Replay;

namespace Hotline.Ops.ForecastBench;

/// <summary>One unit table forecast at a cut-off: the grade probabilities, the grade then and the final grade.</summary>
public sealed record TableForecast(string UnitId, AssessmentChannel Channel, int Day, IReadOnlyDictionary<Grade, double> P, Grade Current, Grade Final)
{
    /// <summary>Multi-class Brier score: Σ over the five grades of (p − outcome)², 0 (certain and right) to 2.</summary>
    public double Brier => Enum.GetValues<Grade>().Sum(g => Math.Pow(P.GetValueOrDefault(g) - (g == Final ? 1 : 0), 2));
    /// <summary>The naive forecast (final grade = current grade) is certain: 0 when right, 2 when wrong.</summary>
    public double NaiveBrier => Current == Final ? 0 : 2;
    /// <summary>The most probable grade (a tie to the better grade, as the forecast itself reports).</summary>
    public Grade MostProbable => Enum.GetValues<Grade>().OrderByDescending(g => P.GetValueOrDefault(g)).ThenBy(g => g).First();
}

/// <summary>A month's calibration: every table forecast at each cut-off day, and the month-end check.</summary>
public sealed record MonthCalibration(string Label, string Month, int Seed, int Events, int Rejected,
    IReadOnlyList<TableForecast> Forecasts, IReadOnlyDictionary<int, int> NotForecast, int FinalTables,
    int MonthEndExact, int MonthEndTables, int? PublishedAgree, int? PublishedTables)
{
    public IEnumerable<int> Days => Forecasts.Select(f => f.Day).Distinct().Order();
}

/// <summary>
/// Forecast calibration on a generated month: the month's events applied in event-time order through the domain code
/// the grains run (<see cref="WorkOrderMachine"/> → <see cref="WorkOrderAssessment"/> → each unit-month's members →
/// <see cref="UnitForecasts"/>), the forecast taken at the end of each cut-off day, compared with the grades after the
/// last event (what the bulletin publishes: follow-ups after month end still count).
/// </summary>
public static class Calibration
{
    public static readonly int[] DefaultDays = [10, 15, 20];

    public static MonthCalibration Run(string label, GeneratedMonth month, IReadOnlyList<int> days, GradeBounds? bounds = null,
        IReadOnlyList<BulletinRow>? published = null)
    {
        bounds ??= GradeBounds.Default;
        var known = SeedUnits.All.Select(u => u.Id).ToHashSet();
        var rules = TransitionRules.Default(known.Contains);
        CityTime.TryParseMonth(month.Month, out var first);
        var cuts = days.Select(d => (Day: d, At: CityTime.EndOfDay(first.AddDays(d - 1)))).Append((Day: 0, At: month.MonthEnd)).ToList();

        var states = new Dictionary<string, TicketState>();
        // unit → ticket → its contribution to this month, as the unit's ledger holds it.
        var ledgers = new Dictionary<string, Dictionary<string, OrderContribution>>();
        var snapshots = new List<(int Day, string Unit, AssessmentChannel Channel, GradeForecast Forecast, Grade Current)>();
        var notForecast = days.ToDictionary(d => d, _ => 0);
        var next = 0;
        var rejected = 0;
        DateTimeOffset last = DateTimeOffset.MinValue;

        void Snapshot(int day, DateTimeOffset at)
        {
            foreach (var (unit, members) in ledgers.OrderBy(l => l.Key, StringComparer.Ordinal))
                foreach (var channel in new[] { AssessmentChannel.Hotline, AssessmentChannel.Mailbox })
                {
                    var n = UnitForecasts.Sum(members.Values, channel);
                    if (n.Due <= 0) continue;
                    var f = UnitForecasts.For(unit, month.Month, channel, n, members.Values, at, bounds)!;
                    snapshots.Add((day, unit, channel, f, bounds.GradeOf(Scoring.Score(channel, n)!.Value)));
                }
        }

        foreach (var e in month.Events)
        {
            var at = e.At!.Value;
            if (at < last) throw new InvalidOperationException($"events out of time order at {e.Id}");
            last = at;
            while (next < cuts.Count && at > cuts[next].At) Snapshot(cuts[next].Day, cuts[next++].At);
            var old = states.GetValueOrDefault(e.TicketId!);
            var t = WorkOrderMachine.Apply(old, e, rules);
            if (!t.Accepted) { rejected++; continue; }
            states[e.TicketId!] = t.State!;
            // Like the ticket's outbox: the order leaves its old unit-month and joins the new one.
            if (old is not null && WorkOrderAssessment.Of(old) is { } was && was.Month == month.Month) ledgers[was.UnitId].Remove(e.TicketId!);
            if (WorkOrderAssessment.Of(t.State!) is { } c && c.Month == month.Month)
            {
                if (!ledgers.TryGetValue(c.UnitId, out var members)) ledgers[c.UnitId] = members = [];
                members[e.TicketId!] = c;
            }
        }
        while (next < cuts.Count) Snapshot(cuts[next].Day, cuts[next++].At);

        var final = new Dictionary<(string, AssessmentChannel), Grade>();
        foreach (var (unit, members) in ledgers)
            foreach (var channel in new[] { AssessmentChannel.Hotline, AssessmentChannel.Mailbox })
                if (Scoring.Score(channel, UnitForecasts.Sum(members.Values, channel)) is { } s) final[(unit, channel)] = bounds.GradeOf(s);

        var forecasts = new List<TableForecast>();
        foreach (var s in snapshots.Where(s => s.Day != 0))
            if (final.TryGetValue((s.Unit, s.Channel), out var g))
                forecasts.Add(new TableForecast(s.Unit, s.Channel, s.Day, s.Forecast.Probabilities!, s.Current, g));
        foreach (var d in days)
            notForecast[d] = final.Keys.Count(k => !snapshots.Any(s => s.Day == d && s.Unit == k.Item1 && s.Channel == k.Item2));

        // Month end: the forecast is a point mass on the counts then; exact when that is the final (published) grade.
        var monthEnd = snapshots.Where(s => s.Day == 0).ToList();
        var exact = monthEnd.Count(s => final.TryGetValue((s.Unit, s.Channel), out var g) && s.Forecast.Probabilities![g] == 1.0);
        int? agree = null, publishedTables = null;
        if (published is not null)
        {
            var withGrade = published.Where(r => r.PublishedGrade is not null && SeedUnits.ByName(r.Unit) is not null).ToList();
            publishedTables = withGrade.Count;
            agree = withGrade.Count(r => monthEnd.Any(s => s.Unit == SeedUnits.ByName(r.Unit)!.Id && s.Channel == r.Channel
                && s.Forecast.Probabilities![r.PublishedGrade!.Value] == 1.0));
        }
        return new MonthCalibration(label, month.Month, month.Stats.Seed, month.Events.Count, rejected, forecasts, notForecast,
            final.Count, exact, monthEnd.Count, agree, publishedTables);
    }
}
