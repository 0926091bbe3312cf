using Hotline.Ops.Domain;
using static Hotline.Ops.Domain.Tests.TestSupport;

namespace Hotline.Ops.Domain.Tests;

public class WorkOrderAssessmentTests
{
    private static readonly DateTimeOffset Jan25 = City(2024, 1, 25, 10); // Thursday

    /// <summary>A help request (the default type) dispatched on 25 Jan 2024: 10 working days → end of 7 Feb
    /// (26, 29, 30, 31 Jan, 1, 2 Feb, Sun 4 Feb make-up, 5, 6, 7 Feb).</summary>
    private static Ticket January25Order(string channel = "hotline") => new Ticket().Dispatched(Jan25, "unit-a", channel);

    private static readonly DateTimeOffset Feb7Deadline = City(2024, 2, 7, 23, 59, 59);

    [Fact]
    public void OrderCountsInTheMonthItsDeadlineFallsIn()
    {
        var t = January25Order();
        Assert.Equal(RequestType.Help, t.State!.RequestType);
        Assert.Equal(Feb7Deadline, t.State.Deadline);

        var c = WorkOrderAssessment.Of(t.State)!;
        Assert.Equal("2024-02", c.Month);
        Assert.Equal("unit-a", c.UnitId);
        Assert.Equal(AssessmentChannel.Hotline, c.Channel);
        Assert.Equal(Feb7Deadline, c.Deadline);
        Assert.True(c.Open);
        Assert.Equal(new AssessmentCounts(1, 0, 0, 0, 0, 0, 0), c.Counts);
    }

    [Fact]
    public void DeadlineMonthUsesCityTime()
    {
        // Urgent order dispatched 07:00 city time on 29 Feb 2024: due 07:00 on 1 Mar in the city, which is still
        // 23:00 on 29 Feb in UTC. The city month decides: March.
        var t = new Ticket().Received(City(2024, 2, 29, 6));
        t.Ok("dispatched", City(2024, 2, 29, 7), unit: "unit-a", urgency: "urgent");
        var c = WorkOrderAssessment.Of(t.State!)!;
        Assert.Equal(new DateTimeOffset(2024, 2, 29, 23, 0, 0, TimeSpan.Zero), c.Deadline);
        Assert.Equal("2024-03", c.Month);
    }

    [Fact]
    public void AnExtensionCanMoveTheOrderToTheNextMonth()
    {
        var t = January25Order();
        t.Ok("extended", City(2024, 2, 6, 9), deadline: City(2024, 3, 5, 23, 59, 59));
        var c = WorkOrderAssessment.Of(t.State!)!;
        Assert.Equal("2024-03", c.Month);
    }

    [Theory]
    [InlineData(2024, 2, 7, 23, 59, 59, 1, 1)] // at the deadline: handled and on time
    [InlineData(2024, 2, 8, 0, 0, 0, 1, 0)]    // one second late: handled (by month end) but not on time
    [InlineData(2024, 2, 29, 23, 59, 59, 1, 0)] // last second of the month: still handled
    [InlineData(2024, 3, 1, 0, 0, 0, 0, 0)]    // in March: neither
    [InlineData(2024, 1, 26, 9, 0, 0, 1, 1)]   // replied before the month began: handled and on time
    public void HandledByMonthEndOnTimeByDeadline(int y, int mo, int d, int h, int mi, int s, int handled, int onTime)
    {
        var t = January25Order();
        t.Ok("replied", City(y, mo, d, h, mi, s));
        var c = WorkOrderAssessment.Of(t.State!)!;
        Assert.Equal("2024-02", c.Month);
        Assert.False(c.Open);
        Assert.Equal((1, handled, onTime), (c.Counts.Due, c.Counts.Handled, c.Counts.OnTime));
    }

    [Fact]
    public void OnlyTheFirstReplyCountsForHandledAndOnTime()
    {
        var t = January25Order();
        t.Ok("replied", City(2024, 3, 2, 9));                 // late, after the month
        t.Ok("reworkOrdered", City(2024, 3, 3, 9));
        t.Ok("replied", City(2024, 3, 4, 9));
        var c = WorkOrderAssessment.Of(t.State!)!;
        Assert.Equal((0, 0), (c.Counts.Handled, c.Counts.OnTime));

        var onTime = January25Order();
        onTime.Ok("replied", City(2024, 2, 5, 9));
        onTime.Ok("reworkOrdered", City(2024, 2, 6, 9));
        var open = WorkOrderAssessment.Of(onTime.State!)!;
        Assert.Equal((1, 1, 1), (open.Counts.Handled, open.Counts.OnTime, open.Counts.Rework));
        Assert.True(open.Open); // rework: awaiting a reply again
    }

    [Fact]
    public void EveryReworkAndEveryFollowUpCounts()
    {
        var t = January25Order();
        var at = City(2024, 2, 1, 9);
        t.Ok("replied", at = at.AddHours(1));
        t.Ok("followedUp", at = at.AddHours(1), outcome: "dissatisfied");
        t.Ok("reworkOrdered", at = at.AddHours(1));
        t.Ok("replied", at = at.AddHours(1));
        t.Ok("followedUp", at = at.AddHours(1), outcome: "dissatisfied");
        t.Ok("reworkOrdered", at = at.AddHours(1));
        t.Ok("replied", at = at.AddHours(1));
        t.Ok("followedUp", at = at.AddHours(1), outcome: "basicallySatisfied");
        t.Ok("followedUp", at = at.AddHours(1), outcome: "satisfied");
        t.Ok("closed", at.AddHours(1));

        var c = WorkOrderAssessment.Of(t.State!)!;
        Assert.Equal(new AssessmentCounts(1, 1, 1, 2, 1, 1, 2), c.Counts);
        Assert.Equal(4, c.Counts.FollowUps);
        Assert.False(c.Open);
        // One order can push rates past 100 %: 2 rework on 1 due.
        Assert.Equal(200m, Scoring.RatePct(c.Counts.Rework, c.Counts.Due));
        Assert.True(Scoring.Components(c.Channel, c.Counts)!.Rework < 0);
    }

    [Fact]
    public void AReturnedOrderCountsForNobodyAndAReassignedOneForTheNewUnitOnly()
    {
        var t = January25Order();
        t.Ok("returnRequested", Jan25.AddHours(2), reason: "not our jurisdiction");
        Assert.Equal("unit-a", WorkOrderAssessment.Of(t.State!)!.UnitId);
        t.Ok("returnApproved", Jan25.AddHours(3));
        Assert.Null(WorkOrderAssessment.Of(t.State!));

        var at = City(2024, 2, 19, 9); // Monday after the Spring Festival: 10 working days → Mon 4 Mar
        t.Ok("reassigned", at, unit: "unit-b");
        var c = WorkOrderAssessment.Of(t.State!)!;
        Assert.Equal("unit-b", c.UnitId);
        Assert.Equal(City(2024, 3, 4, 23, 59, 59), c.Deadline);
        Assert.Equal("2024-03", c.Month);
        Assert.Equal(1, c.Counts.Due);

        // A unit's month is the sum of its orders: unit-a gets nothing from this ticket.
        var byUnit = new[] { c }.GroupBy(x => x.UnitId).ToDictionary(g => g.Key, g => g.Aggregate(default(AssessmentCounts), (a, x) => a + x.Counts));
        Assert.False(byUnit.ContainsKey("unit-a"));
        Assert.Equal(1, byUnit["unit-b"].Due);
    }

    [Fact]
    public void TicketsThatWereNeverDispatchedDoNotCount()
    {
        var t = new Ticket().Received(Jan25);
        Assert.Null(WorkOrderAssessment.Of(t.State!));
        t.Ok("closed", Jan25.AddHours(1));
        Assert.Null(WorkOrderAssessment.Of(t.State!));
    }

    [Theory]
    [InlineData("hotline", AssessmentChannel.Hotline)]
    [InlineData("enterpriseLine", AssessmentChannel.Hotline)]
    [InlineData("deputyLine", AssessmentChannel.Hotline)]
    [InlineData("mailbox", AssessmentChannel.Mailbox)]
    [InlineData("wechat", AssessmentChannel.Mailbox)]
    [InlineData("web", AssessmentChannel.Mailbox)]
    [InlineData("provincial", AssessmentChannel.Mailbox)]
    public void ChannelDecidesTheAssessmentTable(string channel, AssessmentChannel table)
    {
        var t = January25Order(channel);
        Assert.True(Channels.TryParse(channel, out RequestChannel rc));
        Assert.Equal(rc, t.State!.Channel);
        Assert.Equal(table, WorkOrderAssessment.Of(t.State)!.Channel);
    }

    [Fact]
    public void EveryRequestChannelHasAWireNameThatParsesBack()
    {
        foreach (var c in Enum.GetValues<RequestChannel>())
        {
            Assert.True(Channels.TryParse(Channels.Wire(c), out RequestChannel back));
            Assert.Equal(c, back);
        }
    }
}
