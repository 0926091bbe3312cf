using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Replay;
using Xunit.Abstractions;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// The ice storm's first morning (calls and agents of the February 2024 replay with --calls) through a real server on
/// the event clock: the advice flags the utilities queue within one event minute of the pressure, the proposed moves
/// raise the projected service level, and a move changes the queues at once.
/// </summary>
public sealed class IceStormQueueTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Understaffing_shows_within_a_minute_of_the_pressure_and_the_moves_raise_the_projected_level()
    {
        var month = MonthGenerator.Generate(ReplayTargets.February2024, calls: true);
        var until = new DateTimeOffset(2024, 2, 1, 11, 0, 0, CityTime.Offset);
        var events = month.Events.Where(e => CallEvents.IsCallEvent(e.Type) && e.At < until).ToList();
        var pressure = PressureMinute(events, CityQueues.Utilities);
        output.WriteLine($"{events.Count} call and agent events up to 11:00; utilities' offered load reaches its agents on shift at {pressure:HH:mm}");
        Assert.True(pressure > month.MonthStart.AddHours(6), "the pressure comes with the storm, not before it");

        await using var server = await RunningServer.StartAsync(null, null, "--clock", "event");
        DateTimeOffset? flagged = null;
        JsonElement board = default;
        foreach (var minute in events.GroupBy(e => CallWindow.MinuteOf(e.At!.Value)))
        {
            var r = await server.PostEventsAsync(minute.ToList());
            Assert.True(r.Rejected == 0, string.Join("; ", r.Results.Where(x => x.Status != Contracts.EventStatus.Accepted).Select(x => $"{x.Id}: {x.Reason}").Take(5)));
            var at = minute.Last().At!.Value;
            if (at < pressure.AddHours(-1)) continue;
            board = await server.GetJsonAsync("/api/ops/queues");
            if (Queue(board, CityQueues.Utilities).GetProperty("understaffed").GetBoolean()) { flagged = at; break; }
        }
        Assert.NotNull(flagged);
        output.WriteLine($"/api/ops/queues flags utilities as under-staffed at {flagged:HH:mm:ss} event time");
        Assert.True(flagged <= pressure.AddMinutes(1), $"flagged at {flagged:HH:mm:ss}, pressure at {pressure:HH:mm}");

        // Keep feeding until the advice has agents to move; every proposed move raises the receiving queue's level.
        var rest = events.Where(e => e.At > flagged).GroupBy(e => CallWindow.MinuteOf(e.At!.Value)).GetEnumerator();
        while (board.GetProperty("moves").GetArrayLength() == 0 && rest.MoveNext())
        {
            await server.PostEventsAsync(rest.Current.ToList());
            board = await server.GetJsonAsync("/api/ops/queues");
        }
        var moves = board.GetProperty("moves").EnumerateArray().ToList();
        Assert.NotEmpty(moves);
        foreach (var m in moves)
        {
            output.WriteLine($"move {m.GetProperty("agents").GetArrayLength()} from {m.GetProperty("from")} ({m.GetProperty("fromBeforePct").GetDouble():0.0} → {m.GetProperty("fromAfterPct").GetDouble():0.0} %) to {m.GetProperty("to")} ({m.GetProperty("toBeforePct").GetDouble():0.0} → {m.GetProperty("toAfterPct").GetDouble():0.0} %)");
            Assert.True(m.GetProperty("toAfterPct").GetDouble() > m.GetProperty("toBeforePct").GetDouble());
            Assert.True(m.GetProperty("fromAfterPct").GetDouble() >= board.GetProperty("targets").GetProperty("serviceLevelPct").GetDouble());
        }
        var move = moves.First(m => m.GetProperty("to").GetString() == CityQueues.Utilities);

        // Applying the first proposed agent's move changes both queues' staffing.
        var from = move.GetProperty("from").GetString()!;
        var agent = move.GetProperty("agents")[0].GetString()!;
        var staffedBefore = (Queue(board, from).GetProperty("agentsStaffed").GetInt32(), Queue(board, CityQueues.Utilities).GetProperty("agentsStaffed").GetInt32());
        var response = await server.Http.PostAsJsonAsync($"/api/ops/agents/{agent}/queue", new { queue = CityQueues.Utilities });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await server.GetJsonAsync("/api/ops/queues");
        Assert.Equal(staffedBefore.Item1 - 1, Queue(after, from).GetProperty("agentsStaffed").GetInt32());
        Assert.Equal(staffedBefore.Item2 + 1, Queue(after, CityQueues.Utilities).GetProperty("agentsStaffed").GetInt32());
        Assert.True(Queue(after, CityQueues.Utilities).GetProperty("projectedServiceLevelPct").GetDouble() >= Queue(board, CityQueues.Utilities).GetProperty("projectedServiceLevelPct").GetDouble());
        var agents = await server.GetJsonAsync("/api/ops/agents");
        Assert.Equal(CityQueues.Utilities, agents.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("id").GetString() == agent).GetProperty("queue").GetString());
    }

    private static JsonElement Queue(JsonElement board, string id) => board.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("id").GetString() == id);

    /// <summary>
    /// The first whole minute at whose end the queue's offered load (calls offered in the last 15 minutes × their mean
    /// handle time from the generated calls) reaches the agents it has on shift: plain arithmetic on the feed, without
    /// Erlang C.
    /// </summary>
    private static DateTimeOffset PressureMinute(List<TicketEvent> events, string queue)
    {
        var ended = events.Where(e => e.Type == "callEnded").ToList();
        var answeredAt = events.Where(e => e.Type == "callAnswered").ToDictionary(e => e.CallId!, e => e.At!.Value);
        var handle = ended.Average(e => (e.At!.Value - answeredAt[e.CallId!]).TotalSeconds + (e.WrapUpSeconds ?? 0));
        var agents = new Dictionary<string, (string Queue, string State)>();
        var offered = new List<DateTimeOffset>();
        var i = 0;
        for (var m = events[0].At!.Value; m < events[^1].At!.Value; m = m.AddMinutes(1))
        {
            var end = m.AddMinutes(1);
            for (; i < events.Count && events[i].At < end; i++)
            {
                var e = events[i];
                if (e.Type == "agentState") agents[e.Agent!] = (agents.TryGetValue(e.Agent!, out var a) && a.State != "offline" ? a.Queue : e.Queue!, e.State!);
                if (e.Type == "callOffered" && e.Queue == queue) offered.Add(e.At!.Value);
            }
            var load = offered.Count(t => t >= end.AddMinutes(-15)) / 900.0 * handle;
            var staffed = agents.Values.Count(a => a.Queue == queue && a.State is "available");
            if (load >= staffed && staffed > 0) return CityTime.ToCity(m);
        }
        throw new InvalidOperationException("no pressure in the span");
    }
}

/// <summary>Call and agent events through the feed: idempotent, and refused with a reason when they do not fit.</summary>
public sealed class QueueFeedTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private RunningServer S => fixture.Server;
    // The fixture's server runs on the wall clock: the 24-hour figures count the last day before now.
    private static readonly DateTimeOffset Base = CityTime.ToCity(DateTimeOffset.UtcNow.AddMinutes(-40));
    private static string T(int minute, int second = 0) => Base.AddMinutes(minute).AddSeconds(second).ToString("yyyy-MM-dd'T'HH:mm:sszzz");

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string contains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(contains, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Calls_are_counted_once_and_bad_call_events_are_rejected_with_reasons()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var agent = $"t-{run}";
        object[] good =
        [
            new { id = $"{run}-on", type = "agentState", at = T(0), queue = "transport", agent, state = "available" },
            new { id = $"{run}-o1", type = "callOffered", at = T(1), queue = "transport", callId = $"{run}-c1" },
            new { id = $"{run}-a1", type = "callAnswered", at = T(1, 20), queue = "transport", callId = $"{run}-c1", agent },
            new { id = $"{run}-e1", type = "callEnded", at = T(4), queue = "transport", callId = $"{run}-c1", agent, wrapUpSeconds = 30 },
            new { id = $"{run}-o2", type = "callOffered", at = T(5), queue = "transport", callId = $"{run}-c2" },
            new { id = $"{run}-x2", type = "callAbandoned", at = T(5, 40), queue = "transport", callId = $"{run}-c2" },
        ];
        var first = await S.PostEventsAsync(good);
        Assert.Equal(6, first.Accepted);
        var before = await S.GetJsonAsync("/api/ops/queues");
        var again = await S.PostEventsAsync(good);
        Assert.Equal(6, again.Duplicates);
        var after = await S.GetJsonAsync("/api/ops/queues");
        var q = after.GetProperty("queues").EnumerateArray().Single(x => x.GetProperty("id").GetString() == "transport");
        Assert.Equal(before.GetProperty("queues").EnumerateArray().Single(x => x.GetProperty("id").GetString() == "transport").GetRawText(), q.GetRawText());
        Assert.True(q.GetProperty("offered24h").GetInt32() >= 2 && q.GetProperty("abandoned24h").GetInt32() >= 1);

        object[] bad =
        [
            new { id = $"{run}-b1", type = "callOffered", at = T(6), queue = "weather", callId = $"{run}-c3" },
            new { id = $"{run}-b2", type = "agentState", at = T(6), queue = "transport", agent, state = "asleep" },
            new { id = $"{run}-b3", type = "callAnswered", at = T(6), queue = "transport", callId = $"{run}-nope", agent },
            new { id = $"{run}-b4", type = "callAnswered", at = T(6), queue = "transport", callId = $"{run}-c2", agent },
            new { id = $"{run}-b5", type = "callOffered", at = T(6), queue = "transport" },
            new { id = $"{run}-b6", type = "callOffered", at = T(6), queue = "transport", callId = $"{run}-c1" },
        ];
        var refused = await S.PostEventsAsync(bad);
        Assert.Equal(6, refused.Rejected);
        string Reason(int i) => refused.Results[i].Reason!;
        Assert.Contains("unknown queue 'weather'", Reason(0));
        Assert.Contains("unknown agent state 'asleep'", Reason(1));
        Assert.Contains("unknown", Reason(2));
        Assert.Contains("already ended", Reason(3));
        Assert.Contains("callId", Reason(4));
        Assert.Contains("already offered", Reason(5));
        // An agent on a call cannot go on a break before the call ends.
        var busy = await S.PostEventsAsync(new object[]
        {
            new { id = $"{run}-o8", type = "callOffered", at = T(8), queue = "transport", callId = $"{run}-c8" },
            new { id = $"{run}-a8", type = "callAnswered", at = T(8, 5), queue = "transport", callId = $"{run}-c8", agent },
            new { id = $"{run}-b8", type = "agentState", at = T(8, 30), queue = "transport", agent, state = "break" },
        });
        Assert.Equal((2, 1), (busy.Accepted, busy.Rejected));
        Assert.Contains("on call", busy.Results[2].Reason);
        // An answer by an agent who is not logged on is refused and the call stays waiting.
        var ghost = await S.PostEventsAsync(new object[]
        {
            new { id = $"{run}-o7", type = "callOffered", at = T(7), queue = "transport", callId = $"{run}-c7" },
            new { id = $"{run}-a7", type = "callAnswered", at = T(7, 5), queue = "transport", callId = $"{run}-c7", agent = $"ghost-{run}" },
        });
        Assert.Equal((1, 1), (ghost.Accepted, ghost.Rejected));
        Assert.Contains("not logged on", ghost.Results[1].Reason);
        var waiting = (await S.GetJsonAsync("/api/ops/queues")).GetProperty("queues").EnumerateArray().Single(x => x.GetProperty("id").GetString() == "transport").GetProperty("waiting").GetInt32();
        Assert.True(waiting >= 1);
    }

    [Fact]
    public async Task Bad_moves_are_problems_and_change_nothing()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (on, off) = ($"on-{run}", $"off-{run}");
        await S.PostEventsAsync(new object[]
        {
            new { id = $"{run}-1", type = "agentState", at = T(10), queue = "general", agent = on, state = "available" },
            new { id = $"{run}-2", type = "agentState", at = T(10), queue = "general", agent = off, state = "available" },
            new { id = $"{run}-3", type = "agentState", at = T(11), queue = "general", agent = off, state = "offline" },
        });
        var before = (await S.GetJsonAsync("/api/ops/agents")).GetProperty("agents").GetRawText();
        await AssertProblem(await S.Http.PostAsJsonAsync($"/api/ops/agents/nobody-{run}/queue", new { queue = "utilities" }), HttpStatusCode.NotFound, "no agent");
        await AssertProblem(await S.Http.PostAsJsonAsync($"/api/ops/agents/{off}/queue", new { queue = "utilities" }), HttpStatusCode.Conflict, "offline");
        await AssertProblem(await S.Http.PostAsJsonAsync($"/api/ops/agents/{on}/queue", new { queue = "general" }), HttpStatusCode.Conflict, "already");
        await AssertProblem(await S.Http.PostAsJsonAsync($"/api/ops/agents/{on}/queue", new { queue = "weather" }), HttpStatusCode.BadRequest, "unknown queue 'weather'");
        await AssertProblem(await S.Http.PostAsJsonAsync($"/api/ops/agents/{on}/queue", new { }), HttpStatusCode.BadRequest, "queue");
        Assert.Equal(before, (await S.GetJsonAsync("/api/ops/agents")).GetProperty("agents").GetRawText());
        // The wall may read the queues but not move anyone.
        var wall = S.Client(S.Tokens!.Wall);
        Assert.Equal(HttpStatusCode.OK, (await wall.GetAsync("/api/ops/queues")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await wall.PostAsJsonAsync($"/api/ops/agents/{on}/queue", new { queue = "utilities" })).StatusCode);
        var lead = S.Client(S.Tokens!.Lead);
        Assert.Equal(HttpStatusCode.OK, (await lead.PostAsJsonAsync($"/api/ops/agents/{on}/queue", new { queue = "utilities" })).StatusCode);
    }

    /// <summary>A grain state's stored payload (SQLite), or null when it has no row.</summary>
    private static string? StoredPayload(string dataDir, string stateName, string key) =>
        SqliteFile.Scalar(dataDir, "SELECT PayloadBinary FROM OrleansStorage WHERE GrainTypeString = $type AND GrainIdExtensionString = $key",
            ("$type", stateName), ("$key", key)) is byte[] b ? System.Text.Encoding.UTF8.GetString(b) : null;

    private static void StorePayload(string dataDir, string stateName, string key, string payload) =>
        Assert.Equal(1, SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = $payload WHERE GrainTypeString = $type AND GrainIdExtensionString = $key",
            ("$payload", System.Text.Encoding.UTF8.GetBytes(payload)), ("$type", stateName), ("$key", key)));

    [Fact]
    public async Task Call_and_agent_events_are_stored_before_their_batch_is_answered()
    {
        using var dir = new TestDataDir();
        const string agent = "durable-01";
        await using var server = await RunningServer.StartAsync(dir);
        var r = await server.PostEventsAsync(new object[]
        {
            new { id = "du-on", type = "agentState", at = T(10), queue = "utilities", agent, state = "available" },
            new { id = "du-o1", type = "callOffered", at = T(11), queue = "utilities", callId = "du-call-1" },
            new { id = "du-a1", type = "callAnswered", at = T(11, 30), queue = "utilities", callId = "du-call-1", agent },
        });
        Assert.Equal(3, r.Accepted);
        // Read from the database file the moment the answer came, not through the grains: what a crash would leave.
        using (var queue = JsonDocument.Parse(StoredPayload(dir, "queue", "utilities") ?? "{}"))
            Assert.Equal(["du-a1", "du-o1"], queue.RootElement.GetProperty("seen").EnumerateObject().Select(p => p.Name).Order());
        using (var stored = JsonDocument.Parse(StoredPayload(dir, "agent", agent) ?? "{}"))
            Assert.Equal(("OnCall", "du-call-1"), (stored.RootElement.GetProperty("agent").GetProperty("state").GetString(),
                stored.RootElement.GetProperty("agent").GetProperty("callId").GetString()));
    }

    /// <summary>
    /// An agent and its queue are stored separately: a batch cut short between their writes leaves one with the event and
    /// not the other. Sent again, the event reaches the one that lacks it, and the call goes on to its end. The rows are set
    /// back by hand to what each would hold after such a cut.
    /// </summary>
    [Fact]
    public async Task A_call_event_stored_by_only_its_agent_or_only_its_queue_is_completed_when_sent_again()
    {
        using var dir = new TestDataDir();
        const string keptByAgent = "half-agent", keptByQueue = "half-queue";
        object Answer(string agent, string call) => new { id = $"{call}-a", type = "callAnswered", at = T(31), queue = "general", callId = call, agent };
        object End(string agent, string call) => new { id = $"{call}-e", type = "callEnded", at = T(33), queue = "general", callId = call, agent };
        await using (var s = await RunningServer.StartAsync(dir))
            await s.PostEventsAsync(new object[]
            {
                new { id = "half-on-1", type = "agentState", at = T(30), queue = "general", agent = keptByAgent, state = "available" },
                new { id = "half-on-2", type = "agentState", at = T(30), queue = "general", agent = keptByQueue, state = "available" },
                new { id = "half-c1-o", type = "callOffered", at = T(30, 30), queue = "general", callId = "half-c1" },
                new { id = "half-c2-o", type = "callOffered", at = T(30, 30), queue = "general", callId = "half-c2" },
            });
        var queueBefore = StoredPayload(dir, "queue", "general")!;
        var agentBefore = StoredPayload(dir, "agent", keptByQueue)!;
        await using (var s = await RunningServer.StartAsync(dir))
            Assert.Equal(2, (await s.PostEventsAsync(new[] { Answer(keptByAgent, "half-c1"), Answer(keptByQueue, "half-c2") })).Accepted);
        // The queue loses call 1's answer (its agent keeps it); agent 2 loses call 2's (its queue keeps it).
        var queueAfter = JsonNode.Parse(StoredPayload(dir, "queue", "general")!)!;
        var queueCut = JsonNode.Parse(queueBefore)!;
        queueCut["calls"]!["half-c2"] = queueAfter["calls"]!["half-c2"]!.DeepClone();
        queueCut["seen"]!["half-c2-a"] = queueAfter["seen"]!["half-c2-a"]!.DeepClone();
        queueCut["agents"]![keptByQueue] = queueAfter["agents"]![keptByQueue]!.DeepClone();
        StorePayload(dir, "queue", "general", queueCut.ToJsonString());
        StorePayload(dir, "agent", keptByQueue, agentBefore);

        await using var again = await RunningServer.StartAsync(dir);
        var resent = await again.PostEventsAsync(new[] { Answer(keptByAgent, "half-c1"), Answer(keptByQueue, "half-c2") });
        Assert.Equal([EventStatus.Accepted, EventStatus.Duplicate], resent.Results.Select(x => x.Status));
        var agents = (await again.GetJsonAsync("/api/ops/agents")).GetProperty("agents").EnumerateArray()
            .ToDictionary(a => a.GetProperty("id").GetString()!, a => a.GetProperty("state").GetString());
        Assert.Equal(("onCall", "onCall"), (agents[keptByAgent], agents[keptByQueue]));
        var ended = await again.PostEventsAsync(new[] { End(keptByAgent, "half-c1"), End(keptByQueue, "half-c2") });
        Assert.True(ended.Accepted == 2, string.Join("; ", ended.Results.Select(x => $"{x.Id}: {x.Status} {x.Reason}")));
    }

    [Fact]
    public Task A_restart_keeps_the_agents_queues_on_sqlite() => RestartKeepsQueues(null);

    [Fact]
    public async Task A_restart_keeps_the_agents_queues_on_postgresql()
    {
        await using var db = await TestPostgres.CreateAsync();
        await RestartKeepsQueues(db.ConnectionString);
    }

    private static async Task RestartKeepsQueues(string? postgres)
    {
        using var dir = new TestDataDir();
        var agent = "restart-01";
        await using (var first = await RunningServer.StartAsync(dir, postgres))
        {
            await first.PostEventsAsync(new object[]
            {
                new { id = "rs-1", type = "agentState", at = T(20), queue = "general", agent, state = "available" },
                new { id = "rs-c1", type = "callOffered", at = T(20, 10), queue = "transport", callId = "rs-call-1" },
                new { id = "rs-c2", type = "callAbandoned", at = T(20, 40), queue = "transport", callId = "rs-call-1" },
                new { id = "rs-c3", type = "callOffered", at = T(20, 50), queue = "transport", callId = "rs-call-2" },
            });
            Assert.Equal(HttpStatusCode.OK, (await first.Http.PostAsJsonAsync($"/api/ops/agents/{agent}/queue", new { queue = "transport" })).StatusCode);
        }
        await using var second = await RunningServer.StartAsync(dir, postgres);
        var a = (await second.GetJsonAsync("/api/ops/agents")).GetProperty("agents").EnumerateArray().Single(x => x.GetProperty("id").GetString() == agent);
        Assert.Equal("transport", a.GetProperty("queue").GetString());
        // The queue's day of calls and its waiting call came back too, and the same events are duplicates.
        var transport = (await second.GetJsonAsync("/api/ops/queues")).GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("id").GetString() == "transport");
        Assert.Equal((2, 1, 1), (transport.GetProperty("offered24h").GetInt32(), transport.GetProperty("abandoned24h").GetInt32(), transport.GetProperty("waiting").GetInt32()));
        Assert.Equal(2, (await second.PostEventsAsync(new object[]
        {
            new { id = "rs-c1", type = "callOffered", at = T(20, 10), queue = "transport", callId = "rs-call-1" },
            new { id = "rs-c2", type = "callAbandoned", at = T(20, 40), queue = "transport", callId = "rs-call-1" },
        })).Duplicates);
        // A later roster event while on shift does not undo the lead's move.
        await second.PostEventsAsync(new object[] { new { id = "rs-2", type = "agentState", at = T(21), queue = "general", agent, state = "break" } });
        a = (await second.GetJsonAsync("/api/ops/agents")).GetProperty("agents").EnumerateArray().Single(x => x.GetProperty("id").GetString() == agent);
        Assert.Equal(("transport", "break"), (a.GetProperty("queue").GetString(), a.GetProperty("state").GetString()));
    }
}
