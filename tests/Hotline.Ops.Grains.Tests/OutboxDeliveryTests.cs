using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Microsoft.Extensions.DependencyInjection;

namespace Hotline.Ops.Grains.Tests;

/// <summary>
/// A report its unit's ledger cannot take yet stays in the ticket's outbox and holds its silo's outbox watermark back
/// (so a crash meanwhile leaves it to the recovery sweep), until the ticket's retry delivers it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OutboxDeliveryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_report_its_ledger_cannot_take_holds_the_watermark_until_it_is_delivered()
    {
        var id = "HOLD-" + Guid.NewGuid().ToString("N")[..8];
        var at = new DateTimeOffset(2024, 2, 6, 9, 0, 0, CityTime.Offset);
        var ledger = fixture.Grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month("water-group", "2024-02"));
        await ledger.Wake(); // active, so its next write is the report's
        var waiting = Undelivered();

        FaultyStorage.FailNextWrites(ledger.GetGrainId(), 1);
        var results = await fixture.Grains.GetGrain<ITicketGrain>(id).Apply(
        [
            new TicketEvent { Id = id + "-r", Type = "received", TicketId = id, At = at, Channel = "hotline", Category = "water" },
            new TicketEvent { Id = id + "-d", Type = "dispatched", TicketId = id, At = at.AddMinutes(5), UnitId = "water-group" },
        ]);
        Assert.All(results, r => Assert.Equal(EventStatus.Accepted, r.Status)); // stored: answered, though not delivered yet

        // Stored with its report, which the ledger did not durably take: one more outbox holds a watermark back.
        Assert.Equal(waiting + 1, Undelivered());

        // The ticket's retry (2 s later) delivers it, and the watermark is let go.
        await Until(() => Task.FromResult(Undelivered() <= waiting), "the report was not delivered within 20 s");
        Assert.True((await ledger.Audit()).Orders.ContainsKey(id));
    }

    [Fact]
    public async Task A_delivery_takes_only_reports_whose_write_was_stored()
    {
        var id = "STORED-" + Guid.NewGuid().ToString("N")[..8];
        var at = new DateTimeOffset(2024, 2, 7, 9, 0, 0, CityTime.Offset);
        var ledger = fixture.Grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month("taxation-bureau", "2024-02"));
        await ledger.Wake();
        var waiting = Undelivered();
        var ticket = fixture.Grains.GetGrain<ITicketGrain>(id);
        FaultyStorage.FailNextWrites(ledger.GetGrainId(), 1);
        await ticket.Apply(
        [
            new TicketEvent { Id = id + "-r", Type = "received", TicketId = id, At = at, Channel = "hotline", Category = "tax" },
            new TicketEvent { Id = id + "-d", Type = "dispatched", TicketId = id, At = at.AddMinutes(5), UnitId = "taxation-bureau" },
        ]);
        Assert.Equal(waiting + 1, Undelivered()); // the ledger did not durably take the dispatch: the ticket's retry (2 s later) will
        TicketEvent[] reply =
        [
            new TicketEvent { Id = id + "-s", Type = "signed", TicketId = id, At = at.AddHours(1) },
            new TicketEvent { Id = id + "-p", Type = "replied", TicketId = id, At = at.AddDays(1) },
        ];
        FaultyStorage.FailNextWrites(ticket.GetGrainId(), 1);
        await Assert.ThrowsAnyAsync<Exception>(() => ticket.Apply(reply)); // in memory only: not answered, not to be reported

        // The retry delivers the dispatch again, and not the reply whose write failed (its report waits in the same outbox).
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(0, (await ledger.Audit()).Orders[id].Counts.Handled);

        // Sent again, the reply is stored, answered and delivered.
        Assert.All(await ticket.Apply(reply), r => Assert.Equal(EventStatus.Duplicate, r.Status));
        await Until(async () => (await ledger.Audit()).Orders[id].Counts.Handled == 1, "the stored reply was not delivered within 20 s");
    }

    private static async Task Until(Func<Task<bool>> condition, string failure)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(20); !await condition(); await Task.Delay(100))
            if (DateTime.UtcNow > deadline) Assert.Fail(failure);
    }

    /// <summary>Outboxes stored and not yet delivered, over the cluster's silos.</summary>
    private int Undelivered() => fixture.SiloServices.Sum(s => s.GetRequiredService<OutboxWatermark>().Report().Undelivered);
}
