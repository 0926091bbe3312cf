using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class UnitScorecardTests(ClusterFixture fixture)
{
    private static string Json(TicketState? s) => System.Text.Json.JsonSerializer.Serialize(s, HotlineSerialization.Json);

    private static BulletinRow Row(AssessmentChannel channel, string unit) =>
        BulletinCsv.February2024.Single(r => r.Channel == channel && r.Unit == unit);

    [Theory]
    [InlineData(AssessmentChannel.Hotline, "市国资委")]        // 25 rework on 9 due: E
    [InlineData(AssessmentChannel.Hotline, "市工信局")]        // B
    [InlineData(AssessmentChannel.Hotline, "市生态环境局")]     // C
    [InlineData(AssessmentChannel.Hotline, "市城运集团")]       // A
    [InlineData(AssessmentChannel.Mailbox, "岳阳海关")]        // on time 0: C
    [InlineData(AssessmentChannel.Mailbox, "市资规局")]
    public async Task Per_unit_counts_through_real_grains_give_the_domain_scorecard(AssessmentChannel channel, string unitName)
    {
        var row = Row(channel, unitName);
        var unit = SeedUnits.ByName(unitName)!;
        var prefix = $"sc-{channel}-{unit.Id}";
        var results = new List<EventResult>();
        foreach (var byTicket in OrderScript.ForUnit(prefix, unit.Id, channel, row.Counts).GroupBy(e => e.TicketId))
            foreach (var e in byTicket)
                results.Add((await fixture.Grains.GetGrain<ITicketGrain>(e.TicketId!).Apply([e]))[0]);
        Assert.All(results, r => Assert.True(r.Status == EventStatus.Accepted, r.Reason));

        var card = await fixture.Grains.GetGrain<IUnitGrain>(unit.Id).GetScorecard("2024-02");
        var score = channel == AssessmentChannel.Hotline ? card.Hotline : card.Mailbox;
        var expected = Scoring.Assess(channel, row.Counts);
        Assert.Equal(row.Counts.Due, score.Counts.Due);
        Assert.Equal(row.Counts.Handled, score.Counts.Handled);
        Assert.Equal(row.Counts.OnTime, score.Counts.OnTime);
        Assert.Equal(row.Counts.Rework, score.Counts.Rework);
        Assert.Equal(row.Counts.FollowUps, score.Counts.FollowUps);
        Assert.Equal(row.Counts.Dissatisfied, score.Counts.Dissatisfied);
        Assert.Equal(expected.Score, score.Score);
        Assert.Equal(expected.Grade, score.Grade);
        Assert.Equal(row.PublishedScore, score.Score);
        Assert.Equal(row.PublishedGrade, score.Grade);
    }

    [Fact]
    public async Task Reassignment_moves_the_order_to_the_new_unit_and_replays_change_nothing()
    {
        var at = new DateTimeOffset(2024, 3, 4, 9, 0, 0, CityTime.Offset);
        var events = new List<TicketEvent>
        {
            new() { Id = "ra-1", Type = "received", TicketId = "ra", At = at, Channel = "hotline" },
            new() { Id = "ra-2", Type = "dispatched", TicketId = "ra", At = at.AddMinutes(5), UnitId = "audit-bureau" },
            new() { Id = "ra-3", Type = "returnRequested", TicketId = "ra", At = at.AddHours(2), Reason = "不属于管辖范围" },
            new() { Id = "ra-4", Type = "returnApproved", TicketId = "ra", At = at.AddHours(3) },
            new() { Id = "ra-5", Type = "reassigned", TicketId = "ra", At = at.AddHours(4), UnitId = "statistics-bureau" },
        };
        var ticket = fixture.Grains.GetGrain<ITicketGrain>("ra");
        foreach (var e in events) Assert.Equal(EventStatus.Accepted, (await ticket.Apply([e]))[0].Status);
        foreach (var e in events) Assert.Equal(EventStatus.Duplicate, (await ticket.Apply([e]))[0].Status);

        var old = await fixture.Grains.GetGrain<IUnitGrain>("audit-bureau").GetScorecard("2024-03");
        var now = await fixture.Grains.GetGrain<IUnitGrain>("statistics-bureau").GetScorecard("2024-03");
        Assert.Equal(0, old.Hotline.Counts.Due);
        Assert.Equal(1, now.Hotline.Counts.Due);
        Assert.Equal(1, now.Open);
        Assert.Equal(["audit-bureau"], (await ticket.Get())!.PreviousUnits.ToArray());
    }

    [Fact]
    public async Task A_rejected_event_changes_nothing()
    {
        var at = new DateTimeOffset(2024, 4, 1, 9, 0, 0, CityTime.Offset);
        var ticket = fixture.Grains.GetGrain<ITicketGrain>("rj");
        Assert.Equal(EventStatus.Accepted, ((await ticket.Apply([new TicketEvent { Id = "rj-1", Type = "received", TicketId = "rj", At = at, Channel = "hotline" }]))[0]).Status);
        var before = await ticket.Get();
        var r1 = (await ticket.Apply([new TicketEvent { Id = "rj-2", Type = "dispatched", TicketId = "rj", At = at.AddMinutes(1), UnitId = "no-such-unit" }]))[0];
        var r2 = (await ticket.Apply([new TicketEvent { Id = "rj-3", Type = "replied", TicketId = "rj", At = at.AddMinutes(2) }]))[0];
        Assert.Equal(EventStatus.Rejected, r1.Status);
        Assert.Contains("unknown unit", r1.Reason);
        Assert.Equal(EventStatus.Rejected, r2.Status);
        Assert.Equal(Json(before), Json(await ticket.Get()));
        // The rejected id was not consumed: the same id may come again with a valid event.
        Assert.Equal(EventStatus.Accepted, ((await ticket.Apply([new TicketEvent { Id = "rj-2", Type = "dispatched", TicketId = "rj", At = at.AddMinutes(3), UnitId = "audit-bureau" }]))[0]).Status);
    }

    [Fact]
    public async Task Events_of_one_ticket_in_one_call_are_each_judged_in_order()
    {
        var at = new DateTimeOffset(2024, 4, 2, 9, 0, 0, CityTime.Offset);
        var ticket = fixture.Grains.GetGrain<ITicketGrain>("oc");
        var results = await ticket.Apply(
        [
            new TicketEvent { Id = "oc-1", Type = "received", TicketId = "oc", At = at, Channel = "hotline" },
            new TicketEvent { Id = "oc-2", Type = "dispatched", TicketId = "oc", At = at.AddMinutes(1), UnitId = "no-such-unit" },
            new TicketEvent { Id = "oc-3", Type = "dispatched", TicketId = "oc", At = at.AddMinutes(2), UnitId = "audit-bureau" },
            new TicketEvent { Id = "oc-1", Type = "received", TicketId = "oc", At = at, Channel = "hotline" },
            new TicketEvent { Id = "oc-4", Type = "reassigned", TicketId = "oc", At = at.AddMinutes(3), UnitId = "finance-bureau" },
        ]);
        Assert.Equal([EventStatus.Accepted, EventStatus.Rejected, EventStatus.Accepted, EventStatus.Duplicate, EventStatus.Accepted], results.Select(r => r.Status));
        var state = (await ticket.Get())!;
        Assert.Equal(["oc-1", "oc-3", "oc-4"], state.History.Select(h => h.EventId));
        Assert.Equal("finance-bureau", state.UnitId);
        // The dispatch and the reassignment both reached the ledgers, in order: the order counts only where it is now.
        var audit = await fixture.Grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month("audit-bureau", "2024-04")).Audit();
        var finance = await fixture.Grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month("finance-bureau", "2024-04")).Audit();
        Assert.False(audit.Orders.ContainsKey("oc"));
        Assert.True(finance.Orders.ContainsKey("oc"));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class LedgerConsistencyTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Verify_finds_a_count_that_no_ticket_stands_behind()
    {
        var at = new DateTimeOffset(2024, 5, 6, 9, 0, 0, CityTime.Offset);
        var ticket = fixture.Grains.GetGrain<ITicketGrain>("cv-1");
        await ticket.Apply([new TicketEvent { Id = "cv-1-r", Type = "received", TicketId = "cv-1", At = at, Channel = "hotline" }]);
        await ticket.Apply([new TicketEvent { Id = "cv-1-d", Type = "dispatched", TicketId = "cv-1", At = at.AddMinutes(1), UnitId = "finance-bureau" }]);
        var deadline = (await ticket.Get())!.Deadline!.Value;
        var ledger = fixture.Grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month("finance-bureau", CityTime.MonthOf(deadline)));
        Assert.Empty(await ledger.Verify());

        // A report no ticket made (as a lost or forged message would leave): the check names it.
        var forged = new OrderContribution("finance-bureau", AssessmentChannel.Hotline, CityTime.MonthOf(deadline), new AssessmentCounts(1, 1, 1, 0, 0, 0, 0), at, deadline, false);
        await ledger.Report("cv-ghost", 5, forged);
        var differences = await ledger.Verify();
        Assert.Contains(differences, d => d.Contains("cv-ghost"));
        Assert.Contains(differences, d => d.Contains("hotline counters"));
    }
}
