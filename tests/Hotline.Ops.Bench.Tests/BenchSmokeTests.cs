using System.Globalization;
using Hotline.Ops.Bench;

namespace Hotline.Ops.Bench.Tests;

/// <summary>
/// Every benchmark runs end to end in its seconds-long smoke form (real server processes, real PostgreSQL, real
/// SignalR clients), so none can rot. No figure is asserted: only that each section ran and reported, and that the
/// replay's events were all accepted.
/// </summary>
public sealed class BenchSmokeTests
{
    private static BenchOptions Smoke(params string[] only) => new()
    {
        Smoke = true,
        BeforeAfter = false,
        PostgresAdmin = Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
            ?? throw new InvalidOperationException("HOTLINE_TEST_POSTGRES is not set: run the tests with ./test.sh, which provisions a local PostgreSQL"),
        Only = only.ToHashSet(),
    };

    /// <summary>Runs one section in its smoke form; its heading must be in the report.</summary>
    private static async Task<string> RunSection(string section, string heading)
    {
        var report = await BenchRunner.RunAsync(Smoke(section), TextWriter.Null);
        Assert.Contains(heading, report);
        return report;
    }

    /// <summary>The report's table rows that start with any of the given cells.</summary>
    private static List<string> TableRows(string report, params string[] starts) =>
        report.Split('\n').Where(l => starts.Any(s => l.StartsWith(s, StringComparison.Ordinal))).ToList();

    [Fact]
    public async Task The_storage_alone_is_measured_on_both_storages()
    {
        var report = await RunSection("storage", "## The storage alone on this machine");
        var rows = TableRows(report, "| PostgreSQL | synchronous_commit on |", "| SQLite | WAL, synchronous = ").Select(r => r.Split('|', StringSplitOptions.TrimEntries)).ToList();
        // Six at full speed (eight columns), then one paced run a storage (nine: the commit latency).
        var (full, paced) = (rows.Where(c => c.Length == 10).ToList(), rows.Where(c => c.Length == 11).ToList());
        Assert.Equal(6, full.Count);
        foreach (var cells in full)
        {
            Assert.NotEqual("0", cells[7]); // rows were written
            Assert.Equal(int.Parse(cells[4]) == 1 ? "0" : "1,000", cells[5]); // single rows bare, 100-row transactions a ticket's size
        }
        Assert.Equal(["PostgreSQL", "SQLite"], paced.Select(c => c[1]));
        foreach (var cells in paced)
        {
            Assert.Equal("50", cells[4]);  // transactions offered a second
            Assert.NotEqual("0", cells[6]); // rows were written
            Assert.True(double.Parse(cells[8], CultureInfo.InvariantCulture) >= double.Parse(cells[7], CultureInfo.InvariantCulture), "p99 ≥ p50");
        }
    }

    [Fact]
    public async Task Ingest_runs_on_both_storages()
    {
        var report = await BenchRunner.RunAsync(Smoke("ingest"), TextWriter.Null);
        Assert.Contains("## Ingest", report);
        // An open-loop row of a server variant ("" for the default): every event offered was answered and accepted.
        string[] AnsweredInFull(string store, string variant)
        {
            var cells = report.Split('\n').Single(l => l.StartsWith($"| {store} | group commit{variant} | received + dispatched | 100 at 1,000/s (open loop) |"))
                .Split('|', StringSplitOptions.TrimEntries);
            Assert.NotEqual("0", cells[6]);
            Assert.Equal("0", cells[11]);
            return cells;
        }
        foreach (var store in new[] { "SQLite", "PostgreSQL" })
        {
            Assert.Contains($"| {store} | group commit | received + dispatched | 100 × 4 |", report);
            var cells = AnsweredInFull(store, "");
            Assert.True(int.TryParse(cells[13], out _), $"the server's GC pauses in the window: '{cells[13]}'"); // read from the server, not left out
        }
        Assert.Contains("| durable ingest, PostgreSQL |", report);
        // The same with every ticket resting after its events, on both storages.
        foreach (var store in new[] { "SQLite", "PostgreSQL" })
        {
            AnsweredInFull(store, ", tickets resting over 0 resident");
            Assert.Contains($"| durable ingest, {store}, tickets resting over 0 resident |", report);
        }
        // And with the GC's gen0 budget capped, on both storages (the run fails unless the server reports the cap in effect).
        foreach (var store in new[] { "SQLite", "PostgreSQL" }) AnsweredInFull(store, ", GC gen0 budget 16 MiB a heap");
        Assert.Contains("| durable ingest, PostgreSQL, GC gen0 budget 16 MiB a heap |", report);
        // Both together on PostgreSQL, whose target is a latency below capacity; the machine line names the kernel's writeback.
        AnsweredInFull("PostgreSQL", ", tickets resting over 0 resident, GC gen0 budget 16 MiB a heap");
        Assert.Contains("| durable ingest, PostgreSQL, tickets resting over 0 resident, GC gen0 budget 16 MiB a heap |", report);
        Assert.Matches(@"kernel writeback from [0-9.]+ (MiB dirty \(vm\.dirty_background_bytes\)|% of memory dirty \(vm\.dirty_background_ratio\)) or [0-9.]+ s old", report);
    }

    [Fact]
    public async Task Replay_is_accepted_whole_on_both_storages()
    {
        var report = await BenchRunner.RunAsync(Smoke("replay"), TextWriter.Null);
        var rows = TableRows(report, "| SQLite |", "| PostgreSQL |");
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            Assert.Equal("1", cells[2]);      // one run each in the smoke
            Assert.Equal(cells[3], cells[5]); // every generated event accepted
            Assert.Equal("0", cells[7]);      // none rejected
            // What the replay cost the server, and the JIT's part of it, read from the server over the run.
            var (cpu, compiling) = (Seconds(cells[11]), Seconds(cells[12]));
            Assert.True(cpu > 0 && compiling > 0, $"server CPU {cells[11]}, compiling {cells[12]}");
            Assert.True(int.Parse(cells[13], System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture) > 0, row);
        }
        static double Seconds(string cell) => double.Parse(cell.TrimEnd('s', ' '), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task League_table_and_memory_run_against_grains_and_sql()
    {
        var file = Path.Combine(Path.GetTempPath(), "bench-smoke-" + Guid.NewGuid().ToString("N") + ".md");
        try
        {
            var report = await BenchRunner.RunAsync(Smoke("league", "memory") with { OutFile = file }, TextWriter.Null);
            Assert.Equal(report, await File.ReadAllTextAsync(file));
            Assert.Contains("## League table", report);
            Assert.Contains("rows in the table: 70 (grains), 70 (SQL", report);
            Assert.Contains("## Memory per grain", report);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Wall_latency_and_surge_cost_run()
    {
        var report = await BenchRunner.RunAsync(Smoke("wall", "surge"), TextWriter.Null);
        Assert.Contains("## Wall latency: 3 SignalR clients", report);
        // Quiet and during a surge: every batch seen by every client, and the surge's feeder answered.
        var rows = TableRows(report, "| quiet |", "| 1,000 events/s offered |").Select(r => r.Split('|', StringSplitOptions.TrimEntries)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, cells => Assert.Equal("0", cells[7]));
        Assert.Matches(@"^[1-9][\d,]* events/s$", rows[1][8]);
        Assert.Contains("| wall latency, 3 SignalR clients, during 1,000 events/s |", report);
        Assert.Contains("## Surge detector cost", report);
    }

    [Fact]
    public async Task Forecast_cost_runs_at_each_size_against_the_recorded_old_figures()
    {
        var report = await RunSection("forecast-cost", "## Forecast cost");
        var rows = TableRows(report, "| 100 |", "| 1,000 |");
        Assert.Equal(2, rows.Count);
        // Every row has its group count, the old figures and a ratio.
        Assert.All(rows, r => Assert.Equal(13, r.Split('|').Length));
    }
}
