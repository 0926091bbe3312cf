using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Ops.Contracts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// Who may do what, against the real server over real HTTP and a real SignalR client: tokens by role, a unit confined
/// to itself, refusals as problem details, and refused requests leaving no trace.
/// </summary>
public sealed class AccessControlTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string UnitA = "state-assets-commission", UnitB = "industry-information";
    private RunningServer S => fixture.Server;
    private ServerTokens T => S.Tokens!;

    private static object[] Order(string ticket, string unit) =>
    [
        new { id = ticket + "-r", type = "received", ticketId = ticket, at = "2024-02-01T09:00:00+08:00", channel = "hotline" },
        new { id = ticket + "-d", type = "dispatched", ticketId = ticket, at = "2024-02-01T09:10:00+08:00", unitId = unit },
    ];

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("GET", "/api/units")]
    [InlineData("GET", "/api/units/state-assets-commission/scorecard?month=2024-02")]
    [InlineData("GET", "/api/bulletin/2024-02")]
    [InlineData("GET", "/api/tickets/ANY-1")]
    [InlineData("GET", "/api/ops/adjustments")]
    [InlineData("POST", "/api/events")]
    public async Task No_token_or_an_unknown_one_is_401_problem(string method, string path)
    {
        foreach (var token in new string?[] { null, "not-a-token" })
        {
            using var http = S.Client(token);
            var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(Array.Empty<object>()) : null });
            await AssertProblem(response, HttpStatusCode.Unauthorized);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task The_printable_bulletin_opens_from_a_link_with_its_token()
    {
        using var anon = S.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/bulletin/2024-02")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync($"/bulletin/2024-02?token={S.Tokens!.Wall}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anon.GetAsync($"/bulletin/2024-02?token={S.Tokens!.Feeder}")).StatusCode);
        // Only the page takes a token in its address; the API does not.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync($"/api/bulletin/2024-02?token={S.Tokens!.Wall}")).StatusCode);
    }

    [Fact]
    public async Task Health_openapi_and_the_wall_page_need_no_token()
    {
        using var anon = S.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await anon.GetAsync("/wall")).StatusCode);
    }

    [Fact]
    public async Task A_wall_token_cannot_post_events_and_nothing_it_carried_is_applied()
    {
        using var wall = S.Client(T.Wall);
        var response = await wall.PostAsJsonAsync("/api/events", Order("AC-WALL-1", UnitA), HotlineSerialization.Json);
        await AssertProblem(response, HttpStatusCode.Forbidden);
        using var anon = S.Client(null);
        await AssertProblem(await anon.PostAsJsonAsync("/api/events", Order("AC-WALL-1", UnitA), HotlineSerialization.Json), HttpStatusCode.Unauthorized);
        await AssertProblem(await S.Http.GetAsync("/api/tickets/AC-WALL-1"), HttpStatusCode.NotFound);
        // The unit's token may not feed either; the feeder may.
        using var unit = S.Client(T.Units[UnitA]);
        await AssertProblem(await unit.PostAsJsonAsync("/api/events", Order("AC-WALL-1", UnitA), HotlineSerialization.Json), HttpStatusCode.Forbidden);
        using var feeder = S.Client(T.Feeder);
        var fed = await feeder.PostAsJsonAsync("/api/events", Order("AC-WALL-1", UnitA), HotlineSerialization.Json);
        Assert.Equal(HttpStatusCode.OK, fed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await S.Http.GetAsync("/api/tickets/AC-WALL-1")).StatusCode);
    }

    [Fact]
    public async Task A_feeder_cannot_read_scorecards_tickets_or_the_bulletin()
    {
        using var feeder = S.Client(T.Feeder);
        await AssertProblem(await feeder.GetAsync($"/api/units/{UnitA}/scorecard?month=2024-02"), HttpStatusCode.Forbidden);
        await AssertProblem(await feeder.GetAsync("/api/units"), HttpStatusCode.Forbidden);
        await AssertProblem(await feeder.GetAsync("/api/bulletin/2024-02"), HttpStatusCode.Forbidden);
        await AssertProblem(await feeder.GetAsync("/api/tickets/AC-ANY"), HttpStatusCode.Forbidden);
        await AssertProblem(await feeder.GetAsync("/api/ops/consistency?month=2024-02"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Wall_reads_the_city_but_may_not_command_or_edit_units()
    {
        using var wall = S.Client(T.Wall);
        Assert.Equal(HttpStatusCode.OK, (await wall.GetAsync($"/api/units/{UnitB}/scorecard?month=2024-02")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await wall.GetAsync("/api/bulletin/2024-02/hotline.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await wall.GetAsync("/api/ops/adjustments?year=2024")).StatusCode);
        var adj = new { unitId = UnitA, month = "2024-02", points = -1, indicator = "x", reason = "y" };
        await AssertProblem(await wall.PostAsJsonAsync("/api/ops/adjustments", adj), HttpStatusCode.Forbidden);
        await AssertProblem(await wall.PutAsJsonAsync("/api/units/ac-new-unit", new { name = "新单位", kind = "agency" }), HttpStatusCode.Forbidden);
        using var lead = S.Client(T.Lead);
        await AssertProblem(await lead.PutAsJsonAsync("/api/units/ac-new-unit", new { name = "新单位", kind = "agency" }), HttpStatusCode.Forbidden);
        Assert.DoesNotContain((await S.GetJsonAsync("/api/units")).EnumerateArray(), u => u.GetProperty("id").GetString() == "ac-new-unit");
    }

    [Fact]
    public async Task A_unit_reads_its_own_scorecard_and_orders_but_not_another_units()
    {
        await S.PostEventsAsync(Order("AC-A-1", UnitA).Concat(Order("AC-B-1", UnitB)).ToArray());
        using var a = S.Client(T.Units[UnitA]);
        var own = await a.GetAsync($"/api/units/{UnitA}/scorecard?month=2024-02");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(UnitA, (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unit").GetProperty("id").GetString());
        await AssertProblem(await a.GetAsync($"/api/units/{UnitB}/scorecard?month=2024-02"), HttpStatusCode.Forbidden);
        // Refused before the lookup: a unit cannot probe which units exist.
        await AssertProblem(await a.GetAsync("/api/units/no-such-unit/scorecard?month=2024-02"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/api/tickets/AC-A-1")).StatusCode);
        await AssertProblem(await a.GetAsync("/api/tickets/AC-B-1"), HttpStatusCode.Forbidden);
        await AssertProblem(await a.GetAsync("/api/bulletin/2024-02"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/api/units")).StatusCode);
    }

    [Fact]
    public async Task The_scorecard_carries_the_forecast_the_what_if_margins_and_open_orders_by_impact()
    {
        await S.PostEventsAsync(Order("AC-F-1", UnitB));
        using var b = S.Client(T.Units[UnitB]);
        var card = await (await b.GetAsync($"/api/units/{UnitB}/scorecard?month=2024-02")).Content.ReadFromJsonAsync<JsonElement>();
        var hotline = card.GetProperty("hotline");
        var probabilities = hotline.GetProperty("forecast").GetProperty("probabilities");
        Assert.Equal(1.0, probabilities.EnumerateObject().Sum(p => p.Value.GetDouble()), 6);
        Assert.True(hotline.GetProperty("whatIf").TryGetProperty("grade", out _));
        Assert.Contains(card.GetProperty("hotlineByImpact").EnumerateArray(), o => o.GetProperty("ticketId").GetString() == "AC-F-1");
    }

    [Fact]
    public async Task A_unit_subscribes_to_its_own_topic_only()
    {
        var cards = new List<JsonElement>();
        await using var hub = S.Hub(T.Units[UnitA]);
        hub.On<JsonElement>("unitMetrics", c => { lock (cards) cards.Add(c); });
        await hub.StartAsync();
        var other = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", $"unit:{UnitB}"));
        Assert.Contains("forbidden", other.Message);
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", "wall"));
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", "lead"));
        // The connection stays usable, and its own topic answers with its scorecard.
        await hub.InvokeAsync("Subscribe", $"unit:{UnitA}");
        for (var i = 0; i < 50 && cards.Count == 0; i++) await Task.Delay(100);
        lock (cards) Assert.All(cards, c => Assert.Equal(UnitA, c.GetProperty("unit").GetProperty("id").GetString()));
        Assert.NotEmpty(cards);
    }

    [Fact]
    public async Task The_hub_refuses_strangers_at_negotiate_and_a_wall_token_may_not_join_the_lead_topic()
    {
        using (var raw = S.Client(null))
            await AssertProblem(await raw.PostAsync("/hubs/wall/negotiate?negotiateVersion=1", null), HttpStatusCode.Unauthorized);
        var anonymous = S.Hub("not-a-token");
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        await anonymous.DisposeAsync();

        await using var wall = S.Hub(T.Wall);
        await wall.StartAsync();
        await wall.InvokeAsync("Subscribe", "wall");
        await Assert.ThrowsAsync<HubException>(() => wall.InvokeAsync("Subscribe", "lead"));
        await using var lead = S.Hub(T.Lead);
        await lead.StartAsync();
        await lead.InvokeAsync("Subscribe", "lead");
        await lead.InvokeAsync("Subscribe", $"unit:{UnitB}");
    }
}

/// <summary>Where the tokens come from: generated once and kept, or configuration.</summary>
public sealed class TokenSourceTests
{
    [Fact]
    public async Task Generated_tokens_are_written_once_private_and_reused_after_a_restart()
    {
        using var dataDir = new TestDataDir();
        ServerTokens first;
        await using (var s = await RunningServer.StartAsync(dataDir))
        {
            first = s.Tokens!;
            Assert.Equal(70, first.Units.Count);
            Assert.Equal(6, new[] { first.Admin, first.Lead, first.Wall, first.Feeder, first.Units["water-group"], first.Units["bus-group"] }.Distinct().Count());
            Assert.True(first.Admin.Length >= 40);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "tokens.json")));
        }
        await using (var again = await RunningServer.StartAsync(dataDir))
        {
            Assert.Equal(first.Admin, again.Tokens!.Admin);
            Assert.Equal(first.Feeder, again.Tokens.Feeder);
            Assert.Equal(first.Units["water-group"], again.Tokens.Units["water-group"]);
            Assert.Equal(HttpStatusCode.OK, (await again.Http.GetAsync("/api/units")).StatusCode);
        }
    }

    [Fact]
    public async Task Configured_tokens_are_used_instead_of_generated_ones()
    {
        using var dataDir = new TestDataDir();
        await using var s = await RunningServer.StartAsync(dataDir, null,
            "--Hotline:Tokens:admin=configured-admin-token", "--Hotline:Tokens:wall=configured-wall-token",
            "--Hotline:Tokens:Units:water-group=configured-water-token");
        Assert.False(File.Exists(Path.Combine(dataDir, "tokens.json")));
        Assert.Null(s.Tokens);
        using var admin = s.Client("configured-admin-token");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/units")).StatusCode);
        using var wall = s.Client("configured-wall-token");
        Assert.Equal(HttpStatusCode.OK, (await wall.GetAsync("/api/bulletin/2024-02")).StatusCode);
        using var water = s.Client("configured-water-token");
        Assert.Equal(HttpStatusCode.OK, (await water.GetAsync("/api/units/water-group/scorecard?month=2024-02")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await water.GetAsync("/api/units/bus-group/scorecard?month=2024-02")).StatusCode);
        // Roles not configured have no token at all.
        using var none = s.Client("feeder");
        Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync("/api/units")).StatusCode);
    }
}
