namespace Hotline.Ops.Replay.Tests;

public class CliTests
{
    private const string Header = "channel,unit_kind,unit,due,handled,completion_rate_pct,on_time,on_time_rate_pct,rework,rework_rate_pct,followup_dissatisfied,followup_satisfied,published_rate_pct,derived_followups,published_score,published_grade,seed_line";
    private const string Good = "hotline,county,岳阳楼区,40,38,,35,,3,,5,,,36,,,";

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await ReplayCli.RunAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string TargetsFile(params string[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"targets-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, string.Join('\n', lines));
        return path;
    }

    public static TheoryData<string, string[], string> BadTargets => new()
    {
        { "missing column", [Header.Replace(",rework,", ","), Good], "Line 1: missing column(s): rework" },
        { "negative count", [Header, Good, "hotline,agency,市交通运输局,-3,0,,0,,0,,0,,,0,,,"], "Line 3 (市交通运输局): due is negative" },
        { "on_time > handled", [Header, Good, "hotline,agency,市交通运输局,12,10,,11,,0,,2,,,10,,,"], "Line 3 (市交通运输局): on_time 11 > handled 10" },
        { "handled > due", [Header, "hotline,agency,市交通运输局,12,13,,11,,0,,2,,,10,,,", Good], "Line 2 (市交通运输局): handled 13 > due 12" },
        { "unknown unit", [Header, Good, "hotline,agency,市不存在局,3,3,,3,,0,,0,,,1,,,"], "Line 3 (市不存在局): unknown unit" },
        { "unit twice", [Header, Good, "mailbox,county,岳阳楼区,3,3,,3,,0,,,1,,1,,,", Good], "Line 4 (岳阳楼区): unit '岳阳楼区' appears twice in the hotline table (first on line 2)" },
    };

    [Theory]
    [MemberData(nameof(BadTargets))]
    public async Task Bad_targets_name_the_row_and_send_nothing(string because, string[] lines, string message)
    {
        var recorder = new Recorder();
        await using var server = await RecordingServer.StartAsync("a", recorder);
        var (code, _, err) = await Run("--server", server.Url.ToString(), "--month", "2025-10", "--targets", TargetsFile(lines));
        Assert.True(code == 2, $"{because}: exit {code}, {err}");
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err); // no stack trace
        Assert.Equal(0, recorder.Requests);
    }

    [Theory]
    [InlineData("2024-13")]
    [InlineData("2024/02")]
    [InlineData("feb")]
    public async Task Bad_month_is_a_usage_error(string month)
    {
        var (code, _, err) = await Run("--dry-run", "--month", month);
        Assert.Equal(2, code);
        Assert.Contains($"--month '{month}' is not a month", err);
    }

    [Fact]
    public async Task Other_month_without_targets_is_refused()
    {
        var (code, _, err) = await Run("--dry-run", "--month", "2024-03");
        Assert.Equal(2, code);
        Assert.Contains("Without --targets", err);
    }

    [Theory]
    [InlineData("--speed", "fast")]
    [InlineData("--bogus")]
    [InlineData("--server", "ftp://x")]
    public async Task Bad_arguments_print_the_usage(params string[] args)
    {
        var (code, _, err) = await Run(args);
        Assert.Equal(2, code);
        Assert.Contains("usage:", err);
    }

    [Fact]
    public async Task Unreachable_server_is_one_clear_line_and_exit_3()
    {
        var port = TestPorts.Free();
        var (code, output, err) = await Run("--server", $"http://127.0.0.1:{port}", "--targets", TargetsFile(Header, Good), "--month", "2025-10");
        Assert.Equal(3, code);
        Assert.StartsWith($"error: Cannot reach server http://127.0.0.1:{port}/", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Dry_run_prints_the_summary_and_out_writes_ndjson()
    {
        var path = Path.Combine(Path.GetTempPath(), $"events-{Guid.NewGuid():N}.ndjson");
        var (code, output, _) = await Run("--dry-run", "--month", "2025-10", "--targets", TargetsFile(CustomMonthTests.October2025.Split('\n').Select(l => l.Trim()).ToArray()), "--out", path);
        Assert.Equal(0, code);
        Assert.Contains("Dry run: nothing sent.", output);
        var lines = File.ReadAllLines(path);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.NotNull(System.Text.Json.JsonSerializer.Deserialize<Hotline.Ops.Domain.TicketEvent>(l, EventJson.Options)?.Id));
    }
}
