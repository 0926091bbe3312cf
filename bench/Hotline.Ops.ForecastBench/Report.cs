using System.Globalization;
using System.Text;
using Hotline.Ops.Domain;

namespace Hotline.Ops.ForecastBench;

/// <summary>The calibration as Markdown: per month a table per cut-off day and a reliability table.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Month(MonthCalibration m)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"### {m.Label} ({m.Month}, generator seed {m.Seed}: {m.Events:N0} events, {m.Rejected} rejected; {m.FinalTables} unit tables graded at the end)");
        sb.AppendLine();
        sb.AppendLine("| cut-off | tables forecast | not yet graded | Brier forecast | Brier naive | most probable right | naive right |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var d in m.Days)
        {
            var f = m.Forecasts.Where(x => x.Day == d).ToList();
            sb.AppendLine(Inv, $"| day {d} | {f.Count} | {m.NotForecast[d]} | {f.Average(x => x.Brier):0.000} | {f.Average(x => x.NaiveBrier):0.000} | {Pct(f.Count(x => x.MostProbable == x.Final), f.Count)} | {Pct(f.Count(x => x.Current == x.Final), f.Count)} |");
        }
        var all = m.Forecasts;
        sb.AppendLine(Inv, $"| all | {all.Count} | | {all.Average(x => x.Brier):0.000} | {all.Average(x => x.NaiveBrier):0.000} | {Pct(all.Count(x => x.MostProbable == x.Final), all.Count)} | {Pct(all.Count(x => x.Current == x.Final), all.Count)} |");
        sb.AppendLine();
        sb.AppendLine("Reliability (every table × grade at the three cut-offs: the forecast probability of that grade, binned, against how often it was the final grade):");
        sb.AppendLine();
        sb.AppendLine("| predicted | pairs | mean predicted | observed |");
        sb.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var (lo, hi, n, mean, observed) in Reliability(all))
            sb.AppendLine(Inv, $"| {lo:0.0}–{hi:0.0} | {n} | {(n == 0 ? "" : mean.ToString("0.000", Inv))} | {(n == 0 ? "" : observed.ToString("0.000", Inv))} |");
        sb.AppendLine();
        sb.Append(Inv, $"Month end: the forecast is a point mass on the final grade for {m.MonthEndExact} of {m.MonthEndTables} tables");
        if (m.PublishedTables is { } pt) sb.Append(Inv, $"; probability 1 on the published grade for {m.PublishedAgree} of {pt} published rows");
        sb.AppendLine(".");
        return sb.ToString();
    }

    /// <summary>Ten bins of predicted probability ([0, 0.1), …, [0.9, 1.0]) over every (table, grade) pair.</summary>
    public static IEnumerable<(double Lo, double Hi, int Count, double MeanPredicted, double Observed)> Reliability(IEnumerable<TableForecast> forecasts)
    {
        var pairs = forecasts.SelectMany(f => Enum.GetValues<Grade>().Select(g => (P: f.P.GetValueOrDefault(g), Hit: g == f.Final))).ToList();
        for (var b = 0; b < 10; b++)
        {
            var inBin = pairs.Where(p => Math.Min(9, (int)Math.Floor(p.P * 10)) == b).ToList();
            yield return (b / 10.0, (b + 1) / 10.0, inBin.Count,
                inBin.Count == 0 ? 0 : inBin.Average(p => p.P), inBin.Count == 0 ? 0 : inBin.Count(p => p.Hit) / (double)inBin.Count);
        }
    }

    private static string Pct(int part, int whole) => whole == 0 ? "" : (100.0 * part / whole).ToString("0.0", Inv) + " %";
}
