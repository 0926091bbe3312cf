using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay.Tests;

public class SenderTests
{
    private static readonly SenderSettings Fast = new() { BatchSize = 40, InitialBackoff = TimeSpan.FromMilliseconds(20), ProgressInterval = TimeSpan.FromMilliseconds(200) };

    private static ReplayOptions Options(params RecordingServer[] servers) => new()
    {
        Servers = servers.Select(s => s.Url).ToList(),
        Month = "2025-10",
        TargetsCsv = CustomMonthTests.October2025,
        Seed = 5,
        Sender = Fast,
    };

    private static GeneratedMonth Expected() => MonthGenerator.Generate(ReplayTargets.Parse(CustomMonthTests.October2025, "2025-10"), 5);

    [Fact]
    public async Task A_503_is_retried_on_the_second_server_and_nothing_is_lost_or_reordered()
    {
        var recorder = new Recorder();
        // Lanes 0 and 2 start on server a, which fails its first two POSTs with 503; b always works.
        await using var a = await RecordingServer.StartAsync("a", recorder, failWith: n => n < 2 ? 503 : null);
        await using var b = await RecordingServer.StartAsync("b", recorder);
        var progress = new StringWriter();

        var summary = await ReplayRunner.RunAsync(Options(a, b), progress, CancellationToken.None);

        var expected = Expected().Events;
        Assert.Equal(2, a.Failures);
        Assert.True(summary.Sent!.Retries >= 2);
        Assert.Equal(expected.Count, summary.Sent.Sent);
        Assert.Equal(expected.Count, summary.Sent.Accepted);
        Assert.Equal(0, summary.ExitCode);
        Assert.Contains(recorder.Batches, x => x.Server == "b");
        Assert.All(recorder.Batches, x => Assert.InRange(x.Events.Count, 1, Fast.BatchSize));

        // Every event arrived exactly once (failed POSTs recorded nothing), each ticket's events in order.
        var arrived = recorder.Batches.SelectMany(x => x.Events).ToList();
        Assert.Equal(expected.Select(e => e.Id).Order(), arrived.Select(e => e.Id).Order());
        var expectedOrder = expected.GroupBy(e => e.TicketId).ToDictionary(g => g.Key!, g => g.Select(e => e.Id).ToList());
        foreach (var g in arrived.GroupBy(e => e.TicketId!))
            Assert.Equal(expectedOrder[g.Key], g.Select(e => e.Id).ToList());
        Assert.Contains("sent ", progress.ToString());
    }

    [Fact]
    public async Task Rejections_are_counted_grouped_and_give_exit_code_1()
    {
        var recorder = new Recorder();
        await using var a = await RecordingServer.StartAsync("a", recorder, reject: e => e.Type == "closed" ? "ticket is closed already" : null);
        var summary = await ReplayRunner.RunAsync(Options(a), new StringWriter(), CancellationToken.None);
        var closed = Expected().Events.Count(e => e.Type == "closed");
        Assert.Equal(closed, summary.Sent!.Rejected);
        Assert.Equal(1, summary.ExitCode);
        var group = Assert.Single(summary.Sent.Rejections);
        Assert.Equal(("ticket is closed already", (long)closed), (group.Reason, group.Count));
        Assert.Contains("ticket is closed already", summary.ToString());
    }

    [Fact]
    public async Task A_4xx_stops_with_a_clear_message()
    {
        var recorder = new Recorder();
        await using var a = await RecordingServer.StartAsync("a", recorder, failWith: _ => 401);
        var ex = await Assert.ThrowsAsync<ReplayException>(() => ReplayRunner.RunAsync(Options(a), new StringWriter(), CancellationToken.None));
        Assert.Equal(4, ex.ExitCode);
        Assert.Contains("401", ex.Message);
        Assert.Contains("--token", ex.Message);
        Assert.InRange(a.Failures, 1, Fast.Lanes); // each lane's first POST, none retried
    }

    [Fact]
    public async Task Speed_paces_on_event_time()
    {
        var recorder = new Recorder();
        await using var a = await RecordingServer.StartAsync("a", recorder);
        // A month is 44,640 minutes: at 44,640×60 (= a month per minute) … use a month per 2 s.
        var speed = 31 * 24 * 3600 / 2.0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var summary = await ReplayRunner.RunAsync(Options(a) with { Speed = speed }, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, summary.ExitCode);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.2, 30);
    }

    [Fact]
    public async Task The_runner_can_wait_for_a_server_that_starts_later()
    {
        var recorder = new Recorder();
        var port = TestPorts.Free();
        var options = new ReplayOptions
        {
            Servers = [new Uri($"http://127.0.0.1:{port}/")], Month = "2025-10", TargetsCsv = CustomMonthTests.October2025,
            Seed = 5, Sender = Fast, WaitForServers = TimeSpan.FromSeconds(30),
        };
        var run = ReplayRunner.RunAsync(options, new StringWriter(), CancellationToken.None);
        await Task.Delay(1500);
        Assert.False(run.IsCompleted);
        await using var late = await RecordingServer.StartAsync("late", recorder, port: port);
        var summary = await run;
        Assert.Equal(0, summary.ExitCode);
        Assert.Equal(Expected().Events.Count, summary.Sent!.Accepted);
    }
}
