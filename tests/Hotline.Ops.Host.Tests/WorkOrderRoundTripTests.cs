using System.Text.Json;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Tests;

/// <summary>One work order through the API, then a restart: nothing changes, on SQLite and on PostgreSQL.</summary>
public sealed class WorkOrderRoundTripTests
{
    private static object[] OneWorkOrder(string ticket, string outcome) =>
    [
        new { id = ticket + "-1", type = "received", ticketId = ticket, at = "2024-02-08T09:00:00+08:00", channel = "hotline", category = "transport", text = "公交停运" },
        new { id = ticket + "-2", type = "dispatched", ticketId = ticket, at = "2024-02-08T09:10:00+08:00", unitId = "bus-group" },
        new { id = ticket + "-3", type = "signed", ticketId = ticket, at = "2024-02-08T10:00:00+08:00" },
        new { id = ticket + "-4", type = "replied", ticketId = ticket, at = "2024-02-09T10:00:00+08:00" },
        new { id = ticket + "-5", type = "followedUp", ticketId = ticket, at = "2024-02-09T12:00:00+08:00", outcome },
    ];

    [Fact]
    public Task Survives_a_restart_on_embedded_SQLite() => RoundTrip(postgres: null);

    [Fact]
    public async Task Survives_a_restart_on_PostgreSQL()
    {
        await using var db = await TestPostgres.CreateAsync();
        await RoundTrip(db.ConnectionString);
    }

    private static async Task RoundTrip(string? postgres)
    {
        string ticketBefore, cardBefore;
        using var dataDir = new TestDataDir();
        await using (var server = await RunningServer.StartAsync(dataDir, postgres))
        {
            var r = await server.PostEventsAsync(OneWorkOrder("RT-1", "dissatisfied"));
            Assert.Equal(5, r.Accepted);
            r = await server.PostEventsAsync(OneWorkOrder("RT-2", "satisfied"));
            Assert.Equal(5, r.Accepted);

            var card = await server.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02");
            var hotline = card.GetProperty("hotline");
            // 2 due, 2 handled, 2 on time, no rework, 1 of 2 follow-ups dissatisfied: 30 + 30 + 20 + 10.
            var expected = Scoring.Assess(AssessmentChannel.Hotline, new AssessmentCounts(2, 2, 2, 0, 1, 0, 1));
            Assert.Equal(2, hotline.GetProperty("counts").GetProperty("due").GetInt32());
            Assert.Equal(expected.Score, hotline.GetProperty("score").GetDecimal());
            Assert.Equal(90.0m, hotline.GetProperty("score").GetDecimal());
            Assert.Equal("A", hotline.GetProperty("grade").GetString());
            ticketBefore = (await server.GetJsonAsync("/api/tickets/RT-1")).GetRawText();
            cardBefore = WithoutTime(card);
        }
        await using (var again = await RunningServer.StartAsync(dataDir, postgres))
        {
            Assert.Equal(ticketBefore, (await again.GetJsonAsync("/api/tickets/RT-1")).GetRawText());
            Assert.Equal(cardBefore, WithoutTime(await again.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02")));
            // Still idempotent after the restart: the same events are duplicates and change nothing.
            var r = await again.PostEventsAsync(OneWorkOrder("RT-1", "dissatisfied"));
            Assert.Equal(5, r.Duplicates);
            Assert.Equal(cardBefore, WithoutTime(await again.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02")));
        }
        if (postgres is null) Assert.True(File.Exists(Path.Combine(dataDir, "hotline.db")), "the embedded store is a SQLite file in the data dir");
    }

    /// <summary>The scorecard's JSON without its <c>asOf</c> (the server's clock when it was read).</summary>
    private static string WithoutTime(System.Text.Json.JsonElement card)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(card.GetRawText())!.AsObject();
        Assert.True(node.Remove("asOf"), "the scorecard carries asOf");
        return node.ToJsonString();
    }
}
