using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hotline.Ops.Contracts;

namespace Hotline.Ops.Host.Tests;

public sealed class ServerFixture : IAsyncLifetime
{
    public RunningServer Server { get; private set; } = null!;
    public async Task InitializeAsync() => Server = await RunningServer.StartAsync();
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private RunningServer S => fixture.Server;

    private async Task<string> Received(string ticket)
    {
        var r = await S.PostEventsAsync(new[] { new { id = ticket + "-r", type = "received", ticketId = ticket, at = "2024-02-01T09:00:00+08:00", channel = "hotline" } });
        Assert.Equal(1, r.Accepted + r.Duplicates);
        return (await S.GetJsonAsync($"/api/tickets/{ticket}")).GetRawText();
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("application/json", "[{\"id\":\"m1\",", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "{\"id\":\"m1\"}", HttpStatusCode.BadRequest)]
    [InlineData("application/x-ndjson", "{\"id\":\"m1\",\"type\":\"received\"}\n{not json}\n", HttpStatusCode.BadRequest)]
    [InlineData("text/plain", "hello", HttpStatusCode.UnsupportedMediaType)]
    public async Task Malformed_bodies_are_problems_and_apply_nothing(string contentType, string body, HttpStatusCode status)
    {
        var before = await Received("BAD-0");
        var text = body.Replace("\"m1\"", "\"bad0-x\"");
        var response = await S.Http.PostAsync("/api/events", new StringContent(text, Encoding.UTF8, contentType));
        await AssertProblem(response, status);
        Assert.Equal(before, (await S.GetJsonAsync("/api/tickets/BAD-0")).GetRawText());
    }

    /// <summary>BAD-2: an order with bus-group, due later; BAD-3: a closed order.</summary>
    private async Task WorkOrders()
    {
        await S.PostEventsAsync(new object[]
        {
            new { id = "bad2-r", type = "received", ticketId = "BAD-2", at = "2024-02-01T09:00:00+08:00", channel = "hotline" },
            new { id = "bad2-d", type = "dispatched", ticketId = "BAD-2", at = "2024-02-01T09:10:00+08:00", unitId = "bus-group" },
            new { id = "bad3-r", type = "received", ticketId = "BAD-3", at = "2024-02-01T09:00:00+08:00", channel = "hotline" },
            new { id = "bad3-d", type = "dispatched", ticketId = "BAD-3", at = "2024-02-01T09:10:00+08:00", unitId = "bus-group" },
            new { id = "bad3-p", type = "replied", ticketId = "BAD-3", at = "2024-02-02T09:10:00+08:00" },
            new { id = "bad3-c", type = "closed", ticketId = "BAD-3", at = "2024-02-02T10:10:00+08:00" },
        });
    }

    [Fact]
    public async Task Ndjson_is_accepted_line_by_line()
    {
        var body = "{\"id\":\"nd-1\",\"type\":\"received\",\"ticketId\":\"ND\",\"at\":\"2024-02-01T09:00:00+08:00\",\"channel\":\"wechat\"}\n" +
                   "{\"id\":\"nd-2\",\"type\":\"answered\",\"ticketId\":\"ND\",\"at\":\"2024-02-01T09:05:00+08:00\"}\n";
        var response = await S.Http.PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        var result = await response.Content.ReadFromJsonAsync<Api.EventBatchResult>(HotlineSerialization.Json);
        Assert.Equal(2, result!.Accepted);
        Assert.Equal("answered", (await S.GetJsonAsync("/api/tickets/ND")).GetProperty("status").GetString());
    }

    public static TheoryData<string, object, string> BadEvents => new()
    {
        { "unknown type", new { id = "b1", type = "teleported", ticketId = "BAD-1", at = "2024-02-01T10:00:00+08:00" }, "unknown event type" },
        { "unknown unit", new { id = "b2", type = "dispatched", ticketId = "BAD-1", at = "2024-02-01T10:00:00+08:00", unitId = "no-such-unit" }, "unknown unit" },
        { "missing unit", new { id = "b3", type = "dispatched", ticketId = "BAD-1", at = "2024-02-01T10:00:00+08:00" }, "missing field 'unitId'" },
        { "missing at", new { id = "b4", type = "signed", ticketId = "BAD-1" }, "missing field 'at'" },
        { "missing id", new { type = "signed", ticketId = "BAD-1", at = "2024-02-01T10:00:00+08:00" }, "missing field 'id'" },
        { "time without offset", new { id = "b5", type = "signed", ticketId = "BAD-1", at = "2024-02-01T10:00:00" }, "offset" },
        { "reply before dispatch", new { id = "b6", type = "replied", ticketId = "BAD-1", at = "2024-02-01T10:00:00+08:00" }, "does not fit" },
        { "follow-up on unknown ticket", new { id = "b7", type = "followedUp", ticketId = "NOPE-1", at = "2024-02-01T10:00:00+08:00", outcome = "satisfied" }, "unknown" },
        { "event before the last one", new { id = "b8", type = "answered", ticketId = "BAD-1", at = "2024-01-01T10:00:00+08:00" }, "before the ticket's last event" },
        { "reassignment to an unknown unit", new { id = "b9", type = "reassigned", ticketId = "BAD-2", at = "2024-02-02T10:00:00+08:00", unitId = "no-such-unit" }, "unknown unit" },
        { "extension to a past date", new { id = "b10", type = "extended", ticketId = "BAD-2", at = "2024-02-02T10:00:00+08:00", deadline = "2024-02-01T10:00:00+08:00" }, "in the past" },
        { "return on a closed order", new { id = "b11", type = "returnRequested", ticketId = "BAD-3", at = "2024-02-03T10:00:00+08:00", reason = "不属于管辖范围" }, "closed" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public async Task Bad_events_are_rejected_with_a_reason_and_change_nothing(string what, object bad, string reason)
    {
        await WorkOrders();
        var ticket = JsonSerializer.SerializeToElement(bad).GetProperty("ticketId").GetString()!;
        var before = ticket switch
        {
            "BAD-1" => await Received("BAD-1"),
            "NOPE-1" => null,
            _ => (await S.GetJsonAsync($"/api/tickets/{ticket}")).GetRawText(),
        };
        var result = await S.PostEventsAsync(new[] { bad });
        Assert.Equal(1, result.Rejected);
        Assert.True(result.Results[0].Reason?.Contains(reason) == true, $"{what}: {result.Results[0].Reason}");
        if (before is not null) Assert.Equal(before, (await S.GetJsonAsync($"/api/tickets/{ticket}")).GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await S.Http.GetAsync("/api/tickets/NOPE-1")).StatusCode);
    }

    [Fact]
    public async Task A_batch_says_exactly_which_events_took_effect()
    {
        var result = await S.PostEventsAsync(new object[]
        {
            new { id = "mix-1", type = "received", ticketId = "MIX", at = "2024-02-01T09:00:00+08:00", channel = "hotline" },
            new { id = "mix-2", type = "closed", ticketId = "MIX", at = "2024-02-01T08:00:00+08:00" },
            new { id = "mix-1", type = "received", ticketId = "MIX", at = "2024-02-01T09:00:00+08:00", channel = "hotline" },
            new { id = "mix-3", type = "dispatched", ticketId = "MIX", at = "2024-02-01T09:10:00+08:00", unitId = "bus-group" },
        });
        Assert.Equal([EventStatus.Accepted, EventStatus.Rejected, EventStatus.Duplicate, EventStatus.Accepted], result.Results.Select(r => r.Status));
        Assert.Equal("dispatched", (await S.GetJsonAsync("/api/tickets/MIX")).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/api/tickets/NO-SUCH-TICKET", HttpStatusCode.NotFound)]
    [InlineData("/api/units/no-such-unit/scorecard?month=2024-02", HttpStatusCode.NotFound)]
    [InlineData("/api/units/bus-group/scorecard?month=2024-13", HttpStatusCode.BadRequest)]
    [InlineData("/api/bulletin/2024-02/fax.csv", HttpStatusCode.NotFound)]
    [InlineData("/api/units/bus-group/scorecard?month=2019-02", HttpStatusCode.NotFound)]
    [InlineData("/api/bulletin/2031-01", HttpStatusCode.NotFound)]
    [InlineData("/api/bulletin/2019-12/hotline.csv", HttpStatusCode.NotFound)]
    public async Task Unknown_things_are_problems(string path, HttpStatusCode status) =>
        await AssertProblem(await S.Http.GetAsync(path), status);

    [Fact]
    public async Task Units_health_and_openapi_are_served()
    {
        var units = await S.GetJsonAsync("/api/units");
        Assert.Equal(70, units.GetArrayLength());
        Assert.Contains(units.EnumerateArray(), u => u.GetProperty("id").GetString() == "yueyanglou-district" && u.GetProperty("name").GetString() == "岳阳楼区");
        Assert.Equal(HttpStatusCode.OK, (await S.Http.GetAsync("/health/live")).StatusCode);
        var openApi = await S.GetJsonAsync("/openapi/v1.json");
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/events", out _));
    }
}
