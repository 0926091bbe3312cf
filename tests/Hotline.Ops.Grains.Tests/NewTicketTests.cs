using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains.Tests;

/// <summary>
/// A ticket whose first call brings its request is taken to be new and not read; a ticket stored already is found out by
/// that first write, and the call's events are then judged against what is stored.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NewTicketTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset Morning = new(2024, 2, 5, 9, 0, 0, CityTime.Offset);

    private static TicketEvent Received(string ticketId, string eventId) => new()
    {
        Id = eventId, Type = "received", TicketId = ticketId, At = Morning, Channel = "hotline", Category = "water",
    };

    private static TicketEvent Dispatched(string ticketId) => new()
    {
        Id = ticketId + "-d", Type = "dispatched", TicketId = ticketId, At = Morning.AddMinutes(20), UnitId = "audit-bureau",
    };

    /// <summary>Every idle activation leaves, so the next call meets a fresh one that has read nothing.</summary>
    private async Task FreshActivations() =>
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    [Fact]
    public async Task A_new_tickets_request_is_stored_without_a_read_of_its_absent_state()
    {
        var id = "NEW-" + Guid.NewGuid().ToString("N")[..8];
        var ticket = fixture.Grains.GetGrain<ITicketGrain>(id);

        var results = await ticket.Apply([Received(id, id + "-r"), Dispatched(id)]);

        Assert.All(results, r => Assert.Equal(EventStatus.Accepted, r.Status));
        Assert.Equal(2, FaultyStorage.StoredTicketVersion(ticket.GetGrainId()));
        Assert.Equal(0, FaultyStorage.ReadsOf(ticket.GetGrainId(), TicketGrain.StateName));
        // A later call to the same activation reads nothing either: it holds the state it stored.
        Assert.Equal(TicketStatus.Dispatched, (await ticket.Get())!.Status);
        Assert.Equal(0, FaultyStorage.ReadsOf(ticket.GetGrainId(), TicketGrain.StateName));
    }

    [Fact]
    public async Task A_request_sent_again_to_a_fresh_activation_of_a_stored_ticket_changes_nothing()
    {
        var id = "AGAIN-" + Guid.NewGuid().ToString("N")[..8];
        var ticket = fixture.Grains.GetGrain<ITicketGrain>(id);
        await ticket.Apply([Received(id, id + "-r"), Dispatched(id)]);
        await FreshActivations();

        // The feed sends the request again (its answer was lost): the insert finds the row, the row is read, and the
        // request is a duplicate of a stored event.
        var again = await ticket.Apply([Received(id, id + "-r")]);

        Assert.Equal(EventStatus.Duplicate, again[0].Status);
        Assert.Equal(1, FaultyStorage.ReadsOf(ticket.GetGrainId(), TicketGrain.StateName));
        var state = (await ticket.Get())!;
        Assert.Equal(TicketStatus.Dispatched, state.Status);
        Assert.Equal(2, state.Version);
        Assert.Equal(2, FaultyStorage.StoredTicketVersion(ticket.GetGrainId()));

        // Another request for the same ticket, with a following event in the same call, is judged against the stored
        // ticket too: the request is refused (received already), and the event after it is taken on the stored state.
        await FreshActivations();
        var signed = new TicketEvent { Id = id + "-s", Type = "signed", TicketId = id, At = Morning.AddHours(1) };
        var other = await ticket.Apply([Received(id, id + "-r2"), signed]);

        Assert.Equal(EventStatus.Rejected, other[0].Status);
        Assert.Contains("already received", other[0].Reason);
        Assert.Equal(EventStatus.Accepted, other[1].Status);
        Assert.Equal(3, FaultyStorage.StoredTicketVersion(ticket.GetGrainId()));
        Assert.Equal(TicketStatus.Signed, (await ticket.Get())!.Status);
    }

    [Fact]
    public async Task A_stored_ticket_whose_first_call_is_not_a_request_is_read_first()
    {
        var id = "READ-" + Guid.NewGuid().ToString("N")[..8];
        var ticket = fixture.Grains.GetGrain<ITicketGrain>(id);
        await ticket.Apply([Received(id, id + "-r")]);
        await FreshActivations();

        Assert.Equal(EventStatus.Accepted, (await ticket.Apply([Dispatched(id)]))[0].Status);
        Assert.Equal(1, FaultyStorage.ReadsOf(ticket.GetGrainId(), TicketGrain.StateName));
        Assert.Equal(2, FaultyStorage.StoredTicketVersion(ticket.GetGrainId()));
    }
}
