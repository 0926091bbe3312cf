using System.Text.Json;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// Tickets answering once their events are stored (<c>--Hotline:Tickets:AnswerOnceStored true</c>): the unit ledgers get
/// the reports after the answer, and still get every one, across a restart right after the answers too.
/// </summary>
public sealed class AnswerOnceStoredTests
{
    private static object[] WorkOrder(string ticket) =>
    [
        new { id = ticket + "-1", type = "received", ticketId = ticket, at = "2024-02-08T09:00:00+08:00", channel = "hotline", category = "transport", text = "公交停运" },
        new { id = ticket + "-2", type = "dispatched", ticketId = ticket, at = "2024-02-08T09:10:00+08:00", unitId = "bus-group" },
        new { id = ticket + "-3", type = "replied", ticketId = ticket, at = "2024-02-09T10:00:00+08:00" },
    ];

    [Fact]
    public Task Every_answered_order_reaches_its_ledger_on_SQLite() => EveryOrderReachesItsLedger(postgres: null);

    [Fact]
    public async Task Every_answered_order_reaches_its_ledger_on_PostgreSQL()
    {
        await using var db = await TestPostgres.CreateAsync();
        await EveryOrderReachesItsLedger(db.ConnectionString);
    }

    private static async Task EveryOrderReachesItsLedger(string? postgres)
    {
        using var dataDir = new TestDataDir();
        string[] options = ["--Hotline:Tickets:AnswerOnceStored", "true"];
        await using (var server = await RunningServer.StartAsync(dataDir, postgres, options))
        {
            for (var i = 1; i <= 20; i++) Assert.Equal(3, (await server.PostEventsAsync(WorkOrder($"AOS-{i}"))).Accepted);
            var counts = await Settled(server, orders: 20);
            Assert.Equal(20, counts.GetProperty("onTime").GetInt32());
            // Answered, and the server stopped at once: each report was delivered before the stop or waits in its stored outbox.
            for (var i = 21; i <= 30; i++) Assert.Equal(3, (await server.PostEventsAsync(WorkOrder($"AOS-{i}"))).Accepted);
        }
        await using (var again = await RunningServer.StartAsync(dataDir, postgres, options))
        {
            var counts = await Settled(again, orders: 30);
            Assert.Equal(30, counts.GetProperty("onTime").GetInt32());
            var consistency = await again.GetJsonAsync("/api/ops/consistency?month=2024-02");
            Assert.True(consistency.GetProperty("consistent").GetBoolean(), consistency.GetRawText());
        }
    }

    /// <summary>
    /// The bus group's hotline counts for February once they show <paramref name="orders"/> orders due and handled
    /// (within 20 s): each order's reports (dispatched, then replied) arrive after its answer, in order.
    /// </summary>
    private static async Task<JsonElement> Settled(RunningServer server, int orders)
    {
        JsonElement counts = default;
        await Poll.Until(async () =>
        {
            counts = (await server.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02")).GetProperty("hotline").GetProperty("counts");
            var (due, handled) = (counts.GetProperty("due").GetInt32(), counts.GetProperty("handled").GetInt32());
            Assert.True(due <= orders && handled <= due, $"the ledger counts {due} orders due and {handled} handled, of {orders} answered");
            return due == orders && handled == orders;
        }, $"the ledger counting all {orders} orders answered as due and handled", seconds: 20);
        return counts;
    }
}
