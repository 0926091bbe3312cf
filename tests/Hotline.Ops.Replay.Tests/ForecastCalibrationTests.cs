using System.Globalization;
using Hotline.Ops.Domain;
using Hotline.Ops.ForecastBench;

namespace Hotline.Ops.Replay.Tests;

/// <summary>The forecast calibration bench on reduced months: it runs and writes well-formed tables, and the forecast
/// beats the naive one (final grade = current grade) on a deterministic generated month.</summary>
public sealed class ForecastCalibrationTests
{
    [Fact]
    public void The_bench_runs_on_a_small_month_and_writes_a_well_formed_table()
    {
        var dir = Directory.CreateTempSubdirectory("forecast-bench");
        try
        {
            var targets = Path.Combine(dir.FullName, "october.csv");
            File.WriteAllText(targets, CustomMonthTests.October2025);
            var results = Path.Combine(dir.FullName, "RESULTS.md");
            File.WriteAllText(results, "# Results\n\n## Forecast calibration\n\nold figures\n\n## Someone else's section\n\nkept\n");
            var console = new StringWriter();

            var rc = Program.Run(["--targets", targets, "--month", "2025-10", "--seed", "11", "--days", "10,15,20", "--results", results], console);

            Assert.Equal(0, rc);
            var doc = File.ReadAllText(results);
            Assert.DoesNotContain("old figures", doc);
            Assert.EndsWith("## Someone else's section\n\nkept\n", doc);
            Assert.Single(doc.Split('\n'), l => l == Program.Heading);
            var lines = doc.Split('\n');
            // The per-cut-off table: a header, a separator, one row per day and the total, seven cells each.
            var head = Array.FindIndex(lines, l => l.StartsWith("| cut-off |", StringComparison.Ordinal));
            Assert.True(head >= 0, doc);
            var rows = lines.Skip(head + 2).TakeWhile(l => l.StartsWith('|')).ToList();
            Assert.Equal(["day 10", "day 15", "day 20", "all"], rows.Select(r => Cells(r)[0]));
            foreach (var r in rows)
            {
                var c = Cells(r);
                Assert.Equal(7, c.Length);
                var brier = double.Parse(c[3], CultureInfo.InvariantCulture);
                var naive = double.Parse(c[4], CultureInfo.InvariantCulture);
                Assert.InRange(brier, 0, 2);
                Assert.InRange(naive, 0, 2);
            }
            // Six unit tables in the targets, all graded at the end: forecast + not yet graded = 6 on each day.
            foreach (var r in rows.Take(3)) Assert.Equal(6, int.Parse(Cells(r)[1]) + int.Parse(Cells(r)[2]));
            // The reliability table: ten bins whose pair counts add up to five grades per table forecast.
            var rel = Array.FindIndex(lines, l => l.StartsWith("| predicted |", StringComparison.Ordinal));
            var bins = lines.Skip(rel + 2).TakeWhile(l => l.StartsWith('|')).Select(Cells).ToList();
            Assert.Equal(10, bins.Count);
            Assert.Equal(5 * int.Parse(Cells(rows[^1])[1]), bins.Sum(b => int.Parse(b[1])));
            Assert.Contains("Month end: the forecast is a point mass on the final grade for 6 of 6 tables", doc);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void On_a_generated_month_the_forecast_has_a_lower_Brier_score_than_the_naive_one()
    {
        // The county-level units' rows of February 2024, as October 2025 (the National Day holiday), a fixed seed.
        var rows = BulletinCsv.February2024.Where(r => r.Kind == UnitKind.County).ToList();
        var month = MonthGenerator.Generate(ReplayTargets.FromRows("2025-10", rows), seed: 5);
        var m = Calibration.Run("county units", month, Calibration.DefaultDays);

        Assert.Equal(0, m.Rejected);
        Assert.Equal([10, 15, 20], m.Days);
        foreach (var d in m.Days)
        {
            var f = m.Forecasts.Where(x => x.Day == d).ToList();
            Assert.True(f.Average(x => x.Brier) < f.Average(x => x.NaiveBrier), $"day {d}: Brier {f.Average(x => x.Brier)} vs naive {f.Average(x => x.NaiveBrier)}");
        }
        // Probabilities are a distribution, and at month end they collapse onto the final grade.
        Assert.All(m.Forecasts, f => Assert.Equal(1.0, f.P.Values.Sum(), 9));
        Assert.Equal(m.MonthEndTables, m.MonthEndExact);
    }

    [Fact]
    public void Brier_scores_and_reliability_bins_follow_their_definitions()
    {
        static Dictionary<Grade, double> P(params (Grade G, double P)[] ps) => Enum.GetValues<Grade>().ToDictionary(g => g, g => ps.FirstOrDefault(x => x.G == g).P);
        var certainRight = new TableForecast("u", AssessmentChannel.Hotline, 10, P((Grade.B, 1)), Grade.C, Grade.B);
        var certainWrong = new TableForecast("u", AssessmentChannel.Hotline, 10, P((Grade.A, 1)), Grade.B, Grade.B);
        var split = new TableForecast("u", AssessmentChannel.Mailbox, 15, P((Grade.A, 0.5), (Grade.B, 0.5)), Grade.A, Grade.B);
        Assert.Equal(0, certainRight.Brier, 12);
        Assert.Equal(2, certainRight.NaiveBrier);   // the naive forecast said C
        Assert.Equal(2, certainWrong.Brier, 12);
        Assert.Equal(0, certainWrong.NaiveBrier);
        Assert.Equal(0.5, split.Brier, 12);         // (0.5 − 0)² + (0.5 − 1)²
        Assert.Equal(Grade.A, split.MostProbable);  // a tie goes to the better grade, as the forecast reports it

        var bins = Report.Reliability([certainRight, certainWrong, split]).ToList();
        Assert.Equal(10, bins.Count);
        Assert.Equal(15, bins.Sum(b => b.Count));   // five grades per forecast
        var top = bins[9];                          // p = 1: B right once, A wrong once
        Assert.Equal((2, 1.0, 0.5), (top.Count, top.MeanPredicted, top.Observed));
        var half = bins[5];                         // p = 0.5: A (wrong) and B (right)
        Assert.Equal((2, 0.5, 0.5), (half.Count, half.MeanPredicted, half.Observed));
    }

    private static string[] Cells(string row) => row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
