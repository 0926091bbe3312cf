using System.Text.Json;
using Hotline.Ops.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// Tickets resting between their events (<c>Hotline:Tickets:ResidentLimit</c>): over the limit a ticket leaves memory
/// once its events are stored and its reports delivered, and its later events are judged against what it stored.
/// </summary>
public sealed class TicketRestTests
{
    private static object[] Opened(string ticket) =>
    [
        new { id = ticket + "-1", type = "received", ticketId = ticket, at = "2024-02-08T09:00:00+08:00", channel = "hotline", category = "transport", text = "公交停运" },
        new { id = ticket + "-2", type = "dispatched", ticketId = ticket, at = "2024-02-08T09:10:00+08:00", unitId = "bus-group" },
    ];

    private static object[] Handled(string ticket) =>
    [
        new { id = ticket + "-3", type = "signed", ticketId = ticket, at = "2024-02-08T10:00:00+08:00" },
        new { id = ticket + "-4", type = "replied", ticketId = ticket, at = "2024-02-09T10:00:00+08:00" },
        new { id = ticket + "-5", type = "followedUp", ticketId = ticket, at = "2024-02-09T12:00:00+08:00", outcome = "satisfied" },
    ];

    [Fact]
    public async Task Over_the_limit_a_ticket_rests_after_its_events_and_is_judged_against_what_it_stored_when_the_next_come()
    {
        using var dataDir = new TestDataDir();
        await using var server = await RunningServer.StartAsync(dataDir, null, "--Hotline:Tickets:ResidentLimit", "0");

        Assert.Equal(2, (await server.PostEventsAsync(Opened("REST-1"))).Accepted);
        var residency = server.Services.GetRequiredService<TicketResidency>();
        await Poll.Until(() => residency.Resident == 0, "the ticket went to rest");
        // Nothing is written on the way out: the delivered outbox stays stored, covered by the silo's watermark (OutboxWatermarkTests).
        Assert.Equal(1, StoredVersion(dataDir, "REST-1"));
        Assert.Equal(1, StoredOutbox(dataDir, "REST-1"));

        var r = await server.PostEventsAsync(Handled("REST-1"));
        Assert.Equal(3, r.Accepted);
        r = await server.PostEventsAsync(Opened("REST-1"));
        Assert.Equal(2, r.Duplicates); // the rested ticket knows its stored events

        var ticket = await server.GetJsonAsync("/api/tickets/REST-1");
        Assert.Equal(5, ticket.GetProperty("version").GetInt32()); // five events, each once
        var hotline = (await server.GetJsonAsync("/api/units/bus-group/scorecard?month=2024-02")).GetProperty("hotline");
        Assert.Equal(1, hotline.GetProperty("counts").GetProperty("due").GetInt32());
        Assert.Equal(100.0m, hotline.GetProperty("score").GetDecimal()); // handled, on time, no rework, satisfied: 30 + 30 + 20 + 20
    }

    [Theory]
    [InlineData(null, TicketResidency.DefaultLimit)] // the default: 100,000, so a month's replay stays resident
    [InlineData("none", null)]
    public async Task Under_the_limit_or_without_one_a_ticket_stays_resident_and_clears_its_stored_outbox_only_with_its_next_change(string? setting, int? limit)
    {
        using var dataDir = new TestDataDir();
        await using var server = await RunningServer.StartAsync(dataDir, null, setting is null ? [] : ["--Hotline:Tickets:ResidentLimit", setting]);
        var residency = server.Services.GetRequiredService<TicketResidency>();
        Assert.Equal(limit, residency.Limit);
        var report = await server.GetJsonAsync("/api/ops/runtime/tickets");
        Assert.Equal(limit, report.TryGetProperty("residentLimit", out var l) ? l.GetInt32() : null); // no limit: none listed

        Assert.Equal(2, (await server.PostEventsAsync(Opened("STAY-1"))).Accepted);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, residency.Resident);
        Assert.Equal(1, StoredOutbox(dataDir, "STAY-1"));
        Assert.Equal(1, StoredVersion(dataDir, "STAY-1"));
    }

    private static JsonElement StoredTicket(string dataDir, string ticketId) => JsonDocument.Parse((string)SqliteFile.Scalar(dataDir,
        "SELECT CAST(PayloadBinary AS TEXT) FROM OrleansStorage WHERE GrainTypeString = 'ticket' AND GrainIdExtensionString = $id", ("$id", ticketId))!).RootElement;

    private static int StoredOutbox(string dataDir, string ticketId) => StoredTicket(dataDir, ticketId).GetProperty("outbox").GetArrayLength();

    private static long StoredVersion(string dataDir, string ticketId) => (long)SqliteFile.Scalar(dataDir,
        "SELECT Version FROM OrleansStorage WHERE GrainTypeString = 'ticket' AND GrainIdExtensionString = $id", ("$id", ticketId))!;
}
