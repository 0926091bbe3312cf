using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains.Tests;

/// <summary>A ticket whose write failed has the event in memory only: it answers nothing, a duplicate included, before it is stored.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketStorageFailureTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_duplicate_of_an_event_whose_write_failed_is_answered_only_once_the_event_is_stored()
    {
        var id = "FAIL-" + Guid.NewGuid().ToString("N")[..8];
        var ticket = fixture.Grains.GetGrain<ITicketGrain>(id);
        var received = new TicketEvent
        {
            Id = id + "-r", Type = "received", TicketId = id, At = new DateTimeOffset(2024, 2, 5, 9, 0, 0, CityTime.Offset),
            Channel = "hotline", Category = "water",
        };
        FaultyStorage.FailNextWrites(ticket.GetGrainId(), 1);

        await Assert.ThrowsAnyAsync<Exception>(() => ticket.Apply([received]));
        Assert.Null(FaultyStorage.StoredTicketVersion(ticket.GetGrainId()));

        // Sent again (the feed was not answered): a duplicate to the ticket's memory, answered after the write it lacked.
        Assert.Equal(EventStatus.Duplicate, (await ticket.Apply([received]))[0].Status);
        Assert.Equal(1, FaultyStorage.StoredTicketVersion(ticket.GetGrainId()));
    }
}
