using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Ops.Domain;
using Hotline.Ops.Replay;
using Microsoft.AspNetCore.SignalR.Client;

// Each test runs three server processes: one test at a time keeps a two-core CI machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Hotline.Ops.Cluster.Tests;

/// <summary>
/// Three silos in separate processes on PostgreSQL take a reduced month spread over all of them, while one is killed
/// (SIGKILL) or all are restarted one after another. Every accepted event must take effect exactly once: the
/// consistency check is clean and the bulletin equals that of an undisturbed run.
/// </summary>
public sealed class FailoverTests
{
    private static readonly SenderSettings Sending = new() { BatchSize = 40, Lanes = 6, MaxAttempts = 40, MaxBackoff = TimeSpan.FromSeconds(5) };

    /// <remarks>Also with every ticket resting after its events (resident limit 0): then the victim's tickets left memory
    /// without storing their delivered outboxes cleared, and only the victim's stored watermark tells the sweep which of
    /// them it need not take up (OutboxWatermark).</remarks>
    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public async Task A_silo_killed_midway_loses_nothing_and_the_walls_on_the_others_keep_receiving(int? residentLimit)
    {
        await using var cluster = await TestCluster.StartAsync("failover", extra: residentLimit is { } l ? ["--Hotline:Tickets:ResidentLimit", l.ToString()] : []);
        await cluster.Diagnosed(async () =>
        {
            // Every silo accepts the same tokens: created once in the database, written to each silo's tokens.json.
            var files = cluster.Silos.Select(s => File.ReadAllText(Path.Combine(s.DataDir, "tokens.json"))).ToList();
            Assert.All(files, f => Assert.Equal(files[0], f));

            var (victim, survivors) = (cluster.Silos[0], cluster.Silos.Skip(1).ToList());
            var walls = new List<(HubConnection Hub, int[] Count)>();
            foreach (var s in survivors)
            {
                var hub = cluster.Hub(s);
                var count = new int[1];
                hub.On<JsonElement>("cityMetrics", _ => Interlocked.Increment(ref count[0]));
                await hub.StartAsync();
                await hub.InvokeAsync("Subscribe", "wall");
                walls.Add((hub, count));
            }

            var month = TestCluster.Month();
            var batches = month.Events.Count / Sending.BatchSize;
            int[]? atKill = null;
            using var trigger = new BatchTrigger(new Dictionary<int, Func<Task>>
            {
                [batches / 2] = () => { victim.Kill(); atKill = walls.Select(w => Volatile.Read(ref w.Count[0])).ToArray(); return Task.CompletedTask; },
            });
            var totals = await Replay(cluster, month, trigger);
            Assert.NotNull(atKill);
            Assert.Equal(0, totals.Rejected);
            Assert.Equal(month.Events.Count, totals.Accepted + totals.Duplicates);
            Assert.True(totals.Retries > 0, "the kill should have made the replay retry on another silo");
            TestCluster.AssertRetriedOnlyWhileUnavailable(totals);

            // The walls connected to the surviving silos went on receiving the city's updates after the kill. A new
            // request every few seconds keeps the city changing, however soon the replay ended after the kill.
            using (var feeder = cluster.Client(survivors[0], "feeder"))
            {
                var last = month.Events.Max(e => e.At!.Value); // "now" on the event clock
                var waited = System.Diagnostics.Stopwatch.StartNew();
                for (var n = 0; walls.Select((w, i) => Volatile.Read(ref w.Count[0]) > atKill![i]).Any(got => !got) && waited.Elapsed < TimeSpan.FromMinutes(2); n++)
                {
                    if (n % 10 == 0)
                        await TestCluster.PostUntilAcceptedAsync(feeder, new[] { new { id = $"after-kill-{n}", type = "received", ticketId = $"AFTER-KILL-{n}",
                            at = last.AddMinutes(n + 1), channel = "hotline", category = "transport" } }, TimeSpan.FromSeconds(30));
                    await Task.Delay(300);
                }
            }
            for (var i = 0; i < walls.Count; i++)
                Assert.True(walls[i].Count[0] > atKill![i], $"the wall on {survivors[i].Name} got no cityMetrics after the kill");

            var consistency = await cluster.ConsistencyAsync(survivors[0], TimeSpan.FromMinutes(3));
            Assert.True(consistency.GetProperty("consistent").GetBoolean(), consistency.GetRawText());
            Assert.True(consistency.GetProperty("orders").GetInt32() > 0);
            await cluster.AssertBulletinAsync(survivors[1]);
            foreach (var (hub, _) in walls) await hub.DisposeAsync();
        });
    }

    [Fact]
    public async Task A_rolling_restart_of_every_silo_during_the_replay_loses_nothing()
    {
        await using var cluster = await TestCluster.StartAsync("rolling");
        await cluster.Diagnosed(async () =>
        {
            var month = TestCluster.Month();
            var batches = month.Events.Count / Sending.BatchSize;
            // One silo at a time, at a quarter, half and three quarters of the month: stopped gracefully (SIGTERM),
            // then started again on its ports and data directory; the next one goes only once it is back. The lane that
            // reaches a mark waits until that silo has been stopped, so every restart falls inside the replay.
            var rolling = Task.CompletedTask;
            var gate = new Lock();
            var actions = new Dictionary<int, Func<Task>>();
            for (var i = 0; i < cluster.Silos.Count; i++)
            {
                var silo = cluster.Silos[i];
                actions[batches * (i + 1) / (cluster.Silos.Count + 1)] = () =>
                {
                    var stopped = new TaskCompletionSource();
                    lock (gate) rolling = Restart(rolling, silo, stopped);
                    return Task.WhenAny(stopped.Task, rolling);
                };
            }
            using var trigger = new BatchTrigger(actions);
            var totals = await Replay(cluster, month, trigger);
            await rolling;
            Assert.All(cluster.Silos, s => Assert.Equal(2, s.Starts));
            Assert.Equal(0, totals.Rejected);
            Assert.Equal(month.Events.Count, totals.Accepted + totals.Duplicates);
            TestCluster.AssertRetriedOnlyWhileUnavailable(totals);

            var consistency = await cluster.ConsistencyAsync(cluster.Silos[2], TimeSpan.FromMinutes(3));
            Assert.True(consistency.GetProperty("consistent").GetBoolean(), consistency.GetRawText());
            await cluster.AssertBulletinAsync(cluster.Silos[0]);
        });
    }

    /// <summary>
    /// The call centre's first storm morning (calls and agents, February 1 up to noon) while a silo is killed midway: no
    /// event is refused, and each queue counts every call offered, answered and abandoned exactly once. An agent or queue
    /// that had answered events only in the killed silo's memory would have lost them: its counts would be short and
    /// the agents' later events refused.
    /// </summary>
    [Fact]
    public async Task Calls_through_a_silo_killed_midway_are_each_counted_once()
    {
        await using var cluster = await TestCluster.StartAsync("calls");
        await cluster.Diagnosed(async () =>
        {
            var month = MonthGenerator.Generate(ReplayTargets.February2024, calls: true);
            var until = month.MonthStart.AddHours(12);
            var calls = month.Events.Where(e => CallEvents.IsCallEvent(e.Type) && e.At < until).ToList();
            var victim = cluster.Silos[0];
            using var trigger = new BatchTrigger(new Dictionary<int, Func<Task>>
            {
                [calls.Count / Sending.BatchSize / 2] = () => { victim.Kill(); return Task.CompletedTask; },
            });
            // Call and agent events carry no ticket: they travel in one lane, which starts on the victim.
            var oneLane = new SenderSettings { BatchSize = Sending.BatchSize, Lanes = 1, MaxAttempts = Sending.MaxAttempts, MaxBackoff = Sending.MaxBackoff };
            using var sender = new EventSender(cluster.Silos.Select(s => new Uri(s.Url)).ToList(), cluster.Token("feeder"), oneLane, trigger);
            var totals = await sender.SendAsync(calls, month.MonthStart, 0, TextWriter.Null, CancellationToken.None);
            Assert.Equal(0, totals.Rejected);
            Assert.Equal(calls.Count, totals.Accepted + totals.Duplicates);
            Assert.True(totals.Retries > 0, "the kill should have made the replay retry on another silo");
            TestCluster.AssertRetriedOnlyWhileUnavailable(totals);

            // Each queue's last 24 hours hold the whole morning once the event clock has passed its last event. Each silo
            // keeps its own event clock, moved by the events it takes: one event after the morning goes to each survivor.
            var expected = calls.Where(e => e.Type != "agentState").GroupBy(e => e.Queue!).ToDictionary(g => g.Key, g =>
                (Offered: g.Count(e => e.Type == "callOffered"), Answered: g.Count(e => e.Type == "callAnswered"), Abandoned: g.Count(e => e.Type == "callAbandoned")));
            foreach (var survivor in cluster.Silos.Skip(1))
            {
                using var feeder = cluster.Client(survivor, "feeder");
                await TestCluster.PostUntilAcceptedAsync(feeder, new[] { new { id = $"after-{survivor.Name}", type = "agentState", at = until.AddMinutes(1),
                    queue = "general", agent = $"after-{survivor.Name}", state = "available" } }, TimeSpan.FromSeconds(30));
            }
            using var http = cluster.Client(cluster.Silos[2]);
            Dictionary<string, (int Offered, int Answered, int Abandoned)> counted = [];
            var waited = System.Diagnostics.Stopwatch.StartNew();
            do
            {
                if (counted.Count > 0) await Task.Delay(500);
                var board = await http.GetFromJsonAsync<JsonElement>("/api/ops/queues");
                counted = board.GetProperty("queues").EnumerateArray().Where(q => expected.ContainsKey(q.GetProperty("id").GetString()!)).ToDictionary(
                    q => q.GetProperty("id").GetString()!,
                    q => (q.GetProperty("offered24h").GetInt32(), q.GetProperty("answered24h").GetInt32(), q.GetProperty("abandoned24h").GetInt32()));
            } while (expected.Any(kv => counted.GetValueOrDefault(kv.Key) != kv.Value) && waited.Elapsed < TimeSpan.FromSeconds(30));
            foreach (var (queue, want) in expected) Assert.Equal((queue, want), (queue, counted.GetValueOrDefault(queue)));
        });
    }

    private static async Task Restart(Task previous, SiloProcess silo, TaskCompletionSource stopped)
    {
        await previous;
        await silo.StopAsync();
        stopped.SetResult();
        await silo.StartAsync();
    }

    /// <summary>The replay's own sender over all three silos (lane i starts on silo i mod 3; a failed batch moves on).</summary>
    private static async Task<SendTotals> Replay(TestCluster cluster, Hotline.Ops.Replay.GeneratedMonth month, HttpMessageHandler trigger)
    {
        using var sender = new EventSender(cluster.Silos.Select(s => new Uri(s.Url)).ToList(), cluster.Token("feeder"), Sending, trigger);
        await sender.CheckReachableAsync(CancellationToken.None);
        return await sender.SendAsync(month.Events, month.MonthStart, 0, TextWriter.Null, CancellationToken.None);
    }
}
