using System.Net;
using System.Text.Json;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// The unit portal's trend (GET /api/units/{id}/trend) on the event clock: the score at the end of each day with a
/// change, kept across a restart, under the scorecard's access rules.
/// </summary>
public sealed class UnitTrendTests
{
    private const string Unit = "audit-bureau";

    private static object[] Order(string id, string day) =>
    [
        new { id = id + "-r", type = "received", ticketId = id, at = $"{day}T09:00:00+08:00", channel = "hotline", category = "other" },
        new { id = id + "-d", type = "dispatched", ticketId = id, at = $"{day}T09:10:00+08:00", unitId = Unit, deadline = "2024-03-20T23:59:59+08:00" },
    ];

    private static List<(string Date, decimal? Score, string? Grade)> Days(JsonElement trend) =>
        trend.GetProperty("days").EnumerateArray().Select(d => (
            d.GetProperty("date").GetString()!,
            d.TryGetProperty("hotlineScore", out var s) ? s.GetDecimal() : (decimal?)null,
            d.TryGetProperty("hotlineGrade", out var g) ? g.GetString() : null)).ToList();

    [Fact]
    public async Task The_trend_has_each_days_closing_score_and_keeps_it_across_a_restart()
    {
        using var dataDir = new TestDataDir();
        (string, decimal?, string?)[] expected =
        [
            ("2024-03-04", 40.0m, "E"), // two orders due, none replied: 0 + 0 + 20 + 20
            ("2024-03-05", 70.0m, "C"), // one replied on time: 15 + 15 + 20 + 20
            ("2024-03-06", 80.0m, "C"), // both replied on time, one follow-up dissatisfied: 30 + 30 + 20 + 0
        ];
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
        {
            Assert.Equal(4, (await s.PostEventsAsync(Order("TR-1", "2024-03-04").Concat(Order("TR-2", "2024-03-04")))).Accepted);
            // Later that day another reply-free change: the day's figure is the last one.
            Assert.Equal(1, (await s.PostEventsAsync(new[] { new { id = "TR-1-s", type = "signed", ticketId = "TR-1", at = "2024-03-04T17:00:00+08:00" } })).Accepted);
            Assert.Equal(1, (await s.PostEventsAsync(new[] { new { id = "TR-1-p", type = "replied", ticketId = "TR-1", at = "2024-03-05T10:00:00+08:00" } })).Accepted);
            Assert.Equal(2, (await s.PostEventsAsync(new object[]
            {
                new { id = "TR-2-p", type = "replied", ticketId = "TR-2", at = "2024-03-06T10:00:00+08:00" },
                new { id = "TR-1-f", type = "followedUp", ticketId = "TR-1", at = "2024-03-06T11:00:00+08:00", outcome = "dissatisfied" },
            })).Accepted);

            var trend = await s.GetJsonAsync($"/api/units/{Unit}/trend?month=2024-03");
            Assert.Equal(Unit, trend.GetProperty("unitId").GetString());
            Assert.Equal(expected, Days(trend));
            // The last day is the scorecard now.
            var card = await s.GetJsonAsync($"/api/units/{Unit}/scorecard?month=2024-03");
            Assert.Equal(80.0m, card.GetProperty("hotline").GetProperty("score").GetDecimal());

            // Same access rules as the scorecard: the unit itself and the centre; another unit is refused; bad input is a problem.
            var own = s.Client(s.Tokens!.Units[Unit]);
            Assert.Equal(HttpStatusCode.OK, (await own.GetAsync($"/api/units/{Unit}/trend?month=2024-03")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await s.Client(s.Tokens.Wall).GetAsync($"/api/units/{Unit}/trend?month=2024-03")).StatusCode);
            var other = await s.Client(s.Tokens.Units["statistics-bureau"]).GetAsync($"/api/units/{Unit}/trend?month=2024-03");
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
            Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.Forbidden, (await s.Client(s.Tokens.Feeder).GetAsync($"/api/units/{Unit}/trend")).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await s.Http.GetAsync($"/api/units/{Unit}/trend?month=2024-13")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await s.Http.GetAsync("/api/units/no-such-unit/trend?month=2024-03")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await s.Http.GetAsync($"/api/units/{Unit}/trend?month=2031-03")).StatusCode);
        }

        // After a restart the earlier days come from the ledger's stored snapshots, the last one from the tickets.
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
            Assert.Equal(expected, Days(await s.GetJsonAsync($"/api/units/{Unit}/trend?month=2024-03")));
    }
}
