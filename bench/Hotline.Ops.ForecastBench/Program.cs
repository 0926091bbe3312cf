using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hotline.Ops.Domain;
using Hotline.Ops.Replay;

namespace Hotline.Ops.ForecastBench;

/// <summary>
/// Forecast calibration on replays (issue 8). Without --targets: February 2024 (the published tables), March 2024 and
/// October 2025 (National Day) generated from February's rows with other seeds. With --targets FILE.csv --month M
/// [--seed N]: that month only. --days 10,15,20 sets the cut-offs; --out FILE writes the Markdown there, --results FILE
/// puts it into that file's "## Forecast calibration" section (replaced if present, appended otherwise).
/// </summary>
public static class Program
{
    public const string Heading = "## Forecast calibration";

    public static int Main(string[] args) => Run(args, Console.Out);

    public static int Run(string[] args, TextWriter console)
    {
        string? Opt(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        var days = Opt("--days") is { } ds ? ds.Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray() : Calibration.DefaultDays;
        var runs = new List<(string Label, Func<GeneratedMonth> Month, IReadOnlyList<BulletinRow>? Published)>();
        if (Opt("--targets") is { } file)
        {
            var month = Opt("--month") ?? throw new ArgumentException("--targets needs --month YYYY-MM");
            var seed = Opt("--seed") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : MonthGenerator.DefaultSeed;
            var targets = ReplayTargets.Parse(File.ReadAllText(file), month);
            runs.Add((Path.GetFileName(file), () => MonthGenerator.Generate(targets, seed), null));
        }
        else
        {
            runs.Add(("February 2024 (published tables)", () => MonthGenerator.Generate(ReplayTargets.February2024), BulletinCsv.February2024));
            runs.Add(("March 2024 from February's rows", () => MonthGenerator.Generate(ReplayTargets.FromRows("2024-03", BulletinCsv.February2024), seed: 7), null));
            runs.Add(("October 2025 from February's rows (National Day, 1–8 Oct)", () => MonthGenerator.Generate(ReplayTargets.FromRows("2025-10", BulletinCsv.February2024), seed: 11), null));
        }

        var sw = Stopwatch.StartNew();
        var sb = new StringBuilder();
        sb.AppendLine(Heading).AppendLine();
        sb.AppendLine("Run: `dotnet run -c Release --project bench/Hotline.Ops.ForecastBench -- --results bench/RESULTS.md`").AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, commit {Git("rev-parse --short HEAD")}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        sb.AppendLine();
        sb.AppendLine("Each month's events are applied in event-time order through the grains' domain code (WorkOrderMachine → "
            + "WorkOrderAssessment → the unit-month's members → UnitForecasts, the path UnitMonthGrain's scorecard takes); the forecast "
            + "is taken at the end of each cut-off day (24:00 city time) for every unit table with orders due by then and compared with "
            + "the grade after the last event. Brier = Σ over the five grades of (p − outcome)², 0 to 2, lower is better; the naive "
            + "forecast puts probability 1 on the current grade (Brier 0 or 2).");
        sb.AppendLine();
        sb.AppendLine("Reading: the naive forecast does badly mid-month because an order still open counts as due but neither handled "
            + "nor on time, so the current score sits well below where the month ends; the forecast expects those replies at the "
            + "unit's own rates. Caveat: the generator spreads each unit's outcomes over the month without drift, so a unit's record "
            + "so far is representative of its final record; real months may drift more, and the figures are an upper bound on skill.");
        sb.AppendLine();
        var results = new List<MonthCalibration>();
        foreach (var (label, generate, published) in runs)
        {
            var m = Calibration.Run(label, generate(), days, published: published);
            results.Add(m);
            sb.AppendLine(Report.Month(m));
        }
        var verdict = results.Select(m => $"{m.Month}: {m.Forecasts.Average(x => x.Brier):0.000} vs naive {m.Forecasts.Average(x => x.NaiveBrier):0.000}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Summary (mean Brier over the cut-offs): {string.Join("; ", verdict)}. Run time {sw.Elapsed.TotalSeconds:0} s.");

        var text = sb.ToString();
        console.Write(text);
        if (Opt("--out") is { } outFile) File.WriteAllText(outFile, text);
        if (Opt("--results") is { } resultsFile) File.WriteAllText(resultsFile, WithSection(File.Exists(resultsFile) ? File.ReadAllText(resultsFile) : "", text));
        return 0;
    }

    /// <summary>Replaces the calibration section (up to the next "## " heading) or appends it; other sections stay as they are.</summary>
    public static string WithSection(string doc, string section)
    {
        var start = doc.IndexOf(Heading + "\n", StringComparison.Ordinal);
        if (start < 0) return doc.TrimEnd() + "\n\n" + section;
        var end = doc.IndexOf("\n## ", start + Heading.Length, StringComparison.Ordinal);
        return doc[..start] + section.TrimEnd() + "\n" + (end < 0 ? "" : doc[end..]);
    }

    private static string Git(string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var o = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? o : "unknown";
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown"; }
    }
}
