using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Replay;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// The first hours of the February 2024 replay through a real server on the event clock: the ice-storm surge is pushed
/// and listed within 15 event minutes of its onset, and an emergency declared with the ice-storm rule counts the
/// requests the replay tagged.
/// </summary>
public sealed class SurgeTests(ITestOutputHelper output)
{
    public static readonly object IceStormRule = new
    {
        categories = new[] { Categories.PublicServices, Categories.Transport, Categories.CityManagement },
        districts = Array.Empty<string>(),
        keywords = new[] { "冰冻", "覆冰", "结冰", "树枝", "高速", "停水", "停气", "无网络信号" },
    };

    [Fact]
    public async Task Ice_storm_surge_is_reported_within_15_minutes_and_the_emergency_counts_its_requests()
    {
        var sw = Stopwatch.StartNew();
        var month = MonthGenerator.Generate(ReplayTargets.February2024);
        var until = new DateTimeOffset(2024, 2, 1, 11, 0, 0, CityTime.Offset);
        // Requests of the month (not the orders carried in from January) up to 11:00 on the 1st.
        var tickets = month.Events.Where(e => e.Type == "received" && e.At >= month.MonthStart && e.At < until).Select(e => e.TicketId!).ToHashSet();
        var events = month.Events.Where(e => e.At < until && tickets.Contains(e.TicketId!)).ToList();
        var stormTimes = events.Where(e => e.Type == "received" && e.Tags?.Contains("ice-storm") == true).Select(e => e.At!.Value).ToList();
        var onset = stormTimes.Min();
        output.WriteLine($"{events.Count} events, {stormTimes.Count} ice-storm requests, onset {onset:HH:mm}; generated in {sw.Elapsed.TotalSeconds:0.0} s");

        await using var server = await RunningServer.StartAsync(null, null, "--clock", "event");
        var hub = server.Hub();
        var surges = new ConcurrentQueue<JsonElement>();
        var emergencies = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("surge", s => surges.Enqueue(s));
        hub.On<JsonElement>("emergency", s => emergencies.Enqueue(s));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "wall");

        var declared = await server.Http.PostAsJsonAsync("/api/ops/emergencies", new { name = "冰冻雨雪", rule = IceStormRule, start = "2024-02-01T00:00:00+08:00" });
        Assert.Equal(HttpStatusCode.Created, declared.StatusCode);
        var id = (await declared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // In event-time order, in small batches (the clock is the latest accepted event time).
        foreach (var batch in events.Chunk(25))
        {
            var r = await server.PostEventsAsync(batch);
            Assert.Equal(0, r.Rejected);
        }
        output.WriteLine($"posted in {sw.Elapsed.TotalSeconds:0.0} s");

        JsonElement storm = default;
        for (var i = 0; i < 100; i++)
        {
            var list = await server.GetJsonAsync("/api/ops/surges?from=2024-02-01T00:00:00%2B08:00&to=2024-02-02T00:00:00%2B08:00");
            storm = list.EnumerateArray().FirstOrDefault(s => s.GetProperty("key").GetString() == "tag:ice-storm");
            if (storm.ValueKind == JsonValueKind.Object) break;
            await Task.Delay(100);
        }
        Assert.Equal(JsonValueKind.Object, storm.ValueKind);
        var detectedAt = storm.GetProperty("detectedAt").GetDateTimeOffset();
        var delay = detectedAt - onset;
        output.WriteLine($"ice-storm surge detected at {detectedAt:HH:mm} event time: {delay.TotalMinutes:0.0} event minutes after the onset");
        Assert.True(delay <= TimeSpan.FromMinutes(15), $"detected {delay.TotalMinutes} event minutes after the onset");
        // The same start was pushed to the wall.
        for (var i = 0; i < 50 && !surges.Any(s => s.GetProperty("key").GetString() == "tag:ice-storm"); i++) await Task.Delay(100);
        var pushed = surges.First(s => s.GetProperty("key").GetString() == "tag:ice-storm");
        Assert.Equal("start", pushed.GetProperty("phase").GetString());
        Assert.True(pushed.GetProperty("count").GetInt32() >= 3);
        // What the storm is about: its keywords, by the latest update of the listed surge.
        var listed = (await server.GetJsonAsync("/api/ops/surges?from=2024-02-01T00:00:00%2B08:00")).EnumerateArray().First(s => s.GetProperty("id").GetString() == storm.GetProperty("id").GetString());
        output.WriteLine("top keywords: " + string.Join(", ", listed.GetProperty("topKeywords").EnumerateArray().Select(k => k.GetString())));
        Assert.Contains("冰冻", listed.GetProperty("topKeywords").EnumerateArray().Select(k => k.GetString()));

        // The emergency's live count: every tagged request, within 1 %.
        var count = 0;
        for (var i = 0; i < 50; i++)
        {
            count = (await server.GetJsonAsync($"/api/ops/emergencies/{id}")).GetProperty("count").GetInt32();
            if (count >= stormTimes.Count) break;
            await Task.Delay(100);
        }
        output.WriteLine($"emergency count {count}, tagged by the replay {stormTimes.Count}");
        Assert.InRange(count, stormTimes.Count * 0.99, stormTimes.Count * 1.01);
        Assert.Contains(emergencies, m => m.GetProperty("phase").GetString() == "declared");
        // Counts are pushed once a second: the API can show them before the next push (CI saw that race).
        static bool CountPushed(JsonElement m) => m.GetProperty("phase").GetString() == "update" && m.GetProperty("count").GetInt32() > 0;
        for (var i = 0; i < 50 && !emergencies.Any(CountPushed); i++) await Task.Delay(100);
        Assert.Contains(emergencies, CountPushed);

        // Its orders went out as urgent (the replay sent them without an urgency).
        var stormOrder = events.First(e => e.Type == "dispatched" && e.Urgency is null
            && events.Any(r => r.TicketId == e.TicketId && r.Type == "received" && r.Tags?.Contains("ice-storm") == true));
        var ticket = await server.GetJsonAsync($"/api/tickets/{stormOrder.TicketId}");
        Assert.Equal("urgent", ticket.GetProperty("urgency").GetString());
        Assert.Contains($"emergency:{id}", ticket.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        // Ending freezes the report.
        var ended = await server.Http.PostAsync($"/api/ops/emergencies/{id}/end", null);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        var report = await ended.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(report.GetProperty("active").GetBoolean());
        Assert.True(report.GetProperty("orders").GetInt32() > 0);
        Assert.True(report.GetProperty("byUnit").EnumerateObject().Any());
        Assert.True(report.GetProperty("byHour").EnumerateObject().Count() >= 4);
        Assert.Equal(count, report.GetProperty("byCategory").EnumerateObject().Sum(p => p.Value.GetInt32()));
        output.WriteLine($"report: {report.GetProperty("orders").GetInt32()} orders, {report.GetProperty("ordersOpen").GetInt32()} open; total {sw.Elapsed.TotalSeconds:0.0} s");
        await hub.DisposeAsync();
    }
}

public sealed class EmergencyBadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private RunningServer S => fixture.Server;

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var detail = body.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        if (detailContains is not null) Assert.Contains(detailContains, detail);
    }

    private Task<HttpResponseMessage> Declare(object body) => S.Http.PostAsJsonAsync("/api/ops/emergencies", body);

    private async Task<int> Count() => (await S.GetJsonAsync("/api/ops/emergencies")).GetArrayLength();

    [Fact]
    public async Task Bad_rules_duplicates_and_unknown_ids_are_problems_and_change_nothing()
    {
        var before = await Count();
        await AssertProblem(await Declare(new { name = "x1", rule = new { categories = new[] { "weather" } }, start = "2024-02-01T00:00:00+08:00" }), HttpStatusCode.BadRequest, "'weather'");
        await AssertProblem(await Declare(new { name = "x2", rule = new { districts = new[] { "北京市" } }, start = "2024-02-01T00:00:00+08:00" }), HttpStatusCode.BadRequest, "'北京市'");
        await AssertProblem(await Declare(new { name = "x3", rule = new { }, start = "2024-02-01T00:00:00+08:00" }), HttpStatusCode.BadRequest);
        await AssertProblem(await Declare(new { name = "x4", rule = new { keywords = new[] { "停电" } }, start = "2024-02-01T00:00:00" }), HttpStatusCode.BadRequest, "offset");
        await AssertProblem(await Declare(new { rule = new { keywords = new[] { "停电" } }, start = "2024-02-01T00:00:00+08:00" }), HttpStatusCode.BadRequest, "name");
        Assert.Equal(before, await Count());

        var ok = await Declare(new { name = "停电潮", rule = new { districts = new[] { "岳阳楼区" }, keywords = new[] { "停电" } }, start = "2024-02-01T00:00:00+08:00" });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var id = (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await AssertProblem(await Declare(new { name = "停电潮", rule = new { keywords = new[] { "停水" } }, start = "2024-02-01T00:00:00+08:00" }), HttpStatusCode.Conflict, "停电潮");
        Assert.Equal(before + 1, await Count());

        await AssertProblem(await S.Http.PostAsync("/api/ops/emergencies/em-999/end", null), HttpStatusCode.NotFound);
        await AssertProblem(await S.Http.GetAsync("/api/ops/emergencies/em-999"), HttpStatusCode.NotFound);
        var report = await S.GetJsonAsync($"/api/ops/emergencies/{id}");
        Assert.True(report.GetProperty("active").GetBoolean());

        await AssertProblem(await S.Http.GetAsync("/api/ops/surges?from=yesterday"), HttpStatusCode.BadRequest, "from");
        await AssertProblem(await S.Http.GetAsync("/api/ops/surges?to=2024-02-01T00:00:00"), HttpStatusCode.BadRequest, "to");
        Assert.Equal(JsonValueKind.Array, (await S.GetJsonAsync("/api/ops/surges")).ValueKind);
    }
}
