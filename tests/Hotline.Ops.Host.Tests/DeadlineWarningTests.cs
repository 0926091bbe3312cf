using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// Deadline warnings on the event clock: the clock is the latest accepted event time, so the test moves time by
/// posting events. Each warning fires exactly once and in order, also across a restart of the server.
/// </summary>
public sealed class DeadlineWarningTests
{
    private static object Received(string ticket, string at, string requestType = "consultation") =>
        new { id = ticket + "-r", type = "received", ticketId = ticket, at, channel = "hotline", requestType, category = "transport" };

    /// <summary>Moves the event clock: an unrelated request received at <paramref name="at"/>.</summary>
    private static async Task Tick(RunningServer s, string at)
    {
        var r = await s.PostEventsAsync(new[] { Received("CLOCK-" + at, at) });
        Assert.Equal(1, r.Accepted);
    }

    private static async Task<(HubConnection Hub, ConcurrentQueue<JsonElement> Warnings)> Watch(RunningServer s)
    {
        var hub = s.Hub();
        var warnings = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("overdueWarning", w => warnings.Enqueue(w));
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "wall");
        return (hub, warnings);
    }

    private static async Task<List<string>> KindsFor(ConcurrentQueue<JsonElement> warnings, string ticket, int expected)
    {
        for (var i = 0; i < 100 && warnings.Count(w => w.GetProperty("ticketId").GetString() == ticket) < expected; i++) await Task.Delay(100);
        await Task.Delay(1500); // two more scans: nothing may come twice
        return warnings.Where(w => w.GetProperty("ticketId").GetString() == ticket).Select(w => w.GetProperty("kind").GetString()!).ToList();
    }

    [Fact]
    public async Task Warnings_fire_once_each_in_order_across_a_restart()
    {
        using var dataDir = new TestDataDir();
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
        {
            var (hub, warnings) = await Watch(s);
            // A consultation dispatched on Thursday 8 February 2024: 2 working days are 9 February and Sunday 18
            // February (a make-up working day after the Spring Festival, 10–17), so it falls due at the end of the 18th.
            var r = await s.PostEventsAsync(new object[]
            {
                Received("DL-1", "2024-02-08T09:00:00+08:00"),
                new { id = "DL-1-d", type = "dispatched", ticketId = "DL-1", at = "2024-02-08T09:10:00+08:00", unitId = "bus-group" },
            });
            Assert.Equal(2, r.Accepted);
            var ticket = await s.GetJsonAsync("/api/tickets/DL-1");
            Assert.Equal(DateTimeOffset.Parse("2024-02-18T23:59:59+08:00"), ticket.GetProperty("deadline").GetDateTimeOffset());

            await Tick(s, "2024-02-12T12:00:00+08:00"); // 40 % of its time: nothing yet
            Assert.Empty(await KindsFor(warnings, "DL-1", 0));
            await Tick(s, "2024-02-16T12:00:00+08:00"); // past 75 % (16 February 08:16)
            Assert.Equal(["dueSoon"], await KindsFor(warnings, "DL-1", 1));
            await Tick(s, "2024-02-18T08:00:00+08:00"); // its last day
            Assert.Equal(["dueSoon", "dueToday"], await KindsFor(warnings, "DL-1", 2));

            var card = await s.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02");
            Assert.Equal(1, card.GetProperty("dueToday").GetInt32());
            Assert.Equal("dueToday", card.GetProperty("atRisk")[0].GetProperty("warning").GetString());
            await hub.DisposeAsync();
        }

        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
        {
            var (hub, warnings) = await Watch(s);
            await Tick(s, "2024-02-18T20:00:00+08:00");
            Assert.Empty(await KindsFor(warnings, "DL-1", 0)); // nothing already sent comes again after the restart
            await Tick(s, "2024-02-19T09:00:00+08:00");
            Assert.Equal(["overdue"], await KindsFor(warnings, "DL-1", 1));

            var card = await s.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02");
            Assert.Equal(1, card.GetProperty("overdue").GetInt32());
            Assert.Equal(1, card.GetProperty("missedDeadline").GetInt32());
            var w = warnings.Single(x => x.GetProperty("ticketId").GetString() == "DL-1");
            Assert.Equal("bus-group", w.GetProperty("unitId").GetString());
            Assert.Equal("市公交集团公司", w.GetProperty("unitName").GetString());

            // A late reply closes the order: no longer open or overdue, still a missed deadline.
            var reply = await s.PostEventsAsync(new[] { new { id = "DL-1-rep", type = "replied", ticketId = "DL-1", at = "2024-02-19T10:00:00+08:00" } });
            Assert.Equal(1, reply.Accepted);
            card = await s.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02");
            Assert.Equal(0, card.GetProperty("overdue").GetInt32());
            Assert.Equal(1, card.GetProperty("missedDeadline").GetInt32());
            Assert.Equal(0, card.GetProperty("hotline").GetProperty("counts").GetProperty("onTime").GetInt32());
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_extension_moves_the_deadline_and_restarts_the_warnings()
    {
        await using var s = await RunningServer.StartAsync(null, null, "--clock", "event");
        var (hub, warnings) = await Watch(s);
        await s.PostEventsAsync(new object[]
        {
            Received("EX-1", "2024-03-04T09:00:00+08:00"),
            new { id = "EX-1-d", type = "dispatched", ticketId = "EX-1", at = "2024-03-04T09:10:00+08:00", unitId = "water-group" },
        });
        await Tick(s, "2024-03-06T08:00:00+08:00"); // due the end of 6 March: dueSoon and dueToday
        Assert.Equal(["dueSoon", "dueToday"], await KindsFor(warnings, "EX-1", 2));
        var ext = await s.PostEventsAsync(new[] { new { id = "EX-1-x", type = "extended", ticketId = "EX-1", at = "2024-03-06T09:00:00+08:00", deadline = "2024-03-20T23:59:59+08:00" } });
        Assert.Equal(1, ext.Accepted);
        await Tick(s, "2024-03-07T09:00:00+08:00"); // past the old deadline: no overdue
        Assert.Equal(["dueSoon", "dueToday"], await KindsFor(warnings, "EX-1", 2));
        await hub.DisposeAsync();
    }
}
