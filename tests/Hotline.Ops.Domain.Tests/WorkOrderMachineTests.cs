using Hotline.Ops.Domain;
using static Hotline.Ops.Domain.Tests.TestSupport;

namespace Hotline.Ops.Domain.Tests;

/// <summary>Builds tickets by feeding events through <see cref="WorkOrderMachine"/>.</summary>
internal sealed class Ticket
{
    public static readonly TransitionRules Rules = new(WorkingCalendar.China, DeadlinePolicy.Default,
        id => id is "unit-a" or "unit-b" or "unit-c");

    private int _seq;
    public string Id { get; }
    public TicketState? State { get; private set; }

    public Ticket(string id = "T-1") => Id = id;

    public TicketEvent Event(string type, DateTimeOffset at, string? unit = null, string? reason = null, string? outcome = null,
        string? channel = null, DateTimeOffset? deadline = null, string? urgency = null, string? requestType = null) =>
        new()
        {
            Id = $"{Id}-e{++_seq}", Type = type, TicketId = Id, At = at, UnitId = unit, Reason = reason, Outcome = outcome,
            Channel = channel, Deadline = deadline, Urgency = urgency, RequestType = requestType,
        };

    /// <summary>Applies an event that must be accepted.</summary>
    public TicketState Ok(TicketEvent e)
    {
        var t = WorkOrderMachine.Apply(State, e, Rules);
        Assert.True(t.Accepted, $"'{e.Type}' was refused: {t.Rejection}");
        Assert.NotNull(t.State);
        State = t.State;
        return t.State!;
    }

    public TicketState Ok(string type, DateTimeOffset at, string? unit = null, string? reason = null, string? outcome = null,
        string? channel = null, DateTimeOffset? deadline = null, string? urgency = null, string? requestType = null) =>
        Ok(Event(type, at, unit, reason, outcome, channel, deadline, urgency, requestType));

    /// <summary>Applies an event that must be refused, leaving the state untouched; returns the reason.</summary>
    public string Refused(TicketEvent e)
    {
        var before = State;
        var t = WorkOrderMachine.Apply(State, e, Rules);
        Assert.False(t.Accepted, $"'{e.Type}' was accepted on a ticket that is {State?.Status}");
        Assert.Null(t.State);
        Assert.False(string.IsNullOrWhiteSpace(t.Rejection));
        Assert.Same(before, State);
        return t.Rejection!;
    }

    public string Refused(string type, DateTimeOffset at, string? unit = null, string? reason = null, string? outcome = null,
        string? channel = null, DateTimeOffset? deadline = null, string? urgency = null, string? requestType = null) =>
        Refused(Event(type, at, unit, reason, outcome, channel, deadline, urgency, requestType));

    // Common starts.
    public Ticket Received(DateTimeOffset at, string channel = "hotline", string? requestType = null)
    {
        Ok("received", at, channel: channel, requestType: requestType);
        return this;
    }

    public Ticket Dispatched(DateTimeOffset at, string unit = "unit-a", string channel = "hotline", string? requestType = null, string? urgency = null)
    {
        Received(at.AddMinutes(-5), channel, requestType);
        Ok("dispatched", at, unit: unit, urgency: urgency);
        return this;
    }
}

public class WorkOrderMachineTests
{
    private static readonly DateTimeOffset T0 = City(2024, 3, 4, 9); // Monday

    [Fact]
    public void FullClosedLoopWithRework()
    {
        var t = new Ticket();
        Assert.Equal(TicketStatus.Received, t.Ok("received", T0, channel: "hotline", requestType: "complaint").Status);
        var s = t.Ok("dispatched", T0.AddMinutes(10), unit: "unit-a");
        Assert.Equal(TicketStatus.Dispatched, s.Status);
        Assert.Equal("unit-a", s.UnitId);
        Assert.Equal(RequestType.Complaint, s.RequestType);
        Assert.Equal(City(2024, 3, 25, 23, 59, 59), s.Deadline);      // 15 working days
        Assert.Equal(City(2024, 3, 5, 23, 59, 59), s.SignOffDeadline);
        Assert.True(s.AwaitsReply);

        Assert.Equal(T0.AddHours(1), t.Ok("signed", T0.AddHours(1)).SignedAt);
        s = t.Ok("replied", T0.AddDays(2));
        Assert.Equal(TicketStatus.Replied, s.Status);
        Assert.False(s.AwaitsReply);
        s = t.Ok("followedUp", T0.AddDays(3), outcome: "dissatisfied");
        Assert.Equal(TicketStatus.FollowedUp, s.Status);
        s = t.Ok("reworkOrdered", T0.AddDays(3).AddHours(1), reason: "not fixed");
        Assert.Equal(TicketStatus.Rework, s.Status);
        Assert.True(s.AwaitsReply);
        s = t.Ok("replied", T0.AddDays(5));
        Assert.Equal(T0.AddDays(2), s.FirstReplyAt);
        s = t.Ok("followedUp", T0.AddDays(6), outcome: "satisfied");
        s = t.Ok("closed", T0.AddDays(6).AddHours(1));

        Assert.Equal(TicketStatus.Closed, s.Status);
        Assert.True(s.IsFinal);
        Assert.Equal(T0.AddDays(6).AddHours(1), s.ClosedAt);
        Assert.Equal(2, s.Replies);
        Assert.Equal(1, s.Reworks);
        Assert.Equal((1, 0, 1), (s.Satisfied, s.BasicallySatisfied, s.Dissatisfied));
        Assert.Equal(9, s.Version);
        Assert.Equal(
            [TicketEventType.Received, TicketEventType.Dispatched, TicketEventType.Signed, TicketEventType.Replied, TicketEventType.FollowedUp,
             TicketEventType.ReworkOrdered, TicketEventType.Replied, TicketEventType.FollowedUp, TicketEventType.Closed],
            s.History.Select(h => h.Type));
    }

    [Fact]
    public void ReceivedThenAnsweredDirectly()
    {
        var t = new Ticket().Received(T0);
        var s = t.Ok("answered", T0.AddMinutes(3));
        Assert.Equal(TicketStatus.Answered, s.Status);
        Assert.True(s.IsFinal);
        Assert.False(s.IsWorkOrder);
        Assert.Null(s.UnitId);
        Assert.Equal(T0.AddMinutes(3), s.ClosedAt);
        Assert.Null(WorkOrderAssessment.Of(s));
    }

    [Fact]
    public void FirstEventOfAnUnknownTicketMustBeReceived()
    {
        var t = new Ticket();
        Assert.Contains("unknown", t.Refused("followedUp", T0, outcome: "satisfied"));
        Assert.Contains("unknown", t.Refused("dispatched", T0, unit: "unit-a"));
        Assert.Contains("unknown", t.Refused("replied", T0));
    }

    [Fact]
    public void TransitionsThatDoNotFitTheStatusAreRefused()
    {
        var t = new Ticket().Received(T0);
        Assert.Contains("does not fit", t.Refused("replied", T0.AddHours(1)));           // reply before dispatch
        Assert.Contains("does not fit", t.Refused("signed", T0.AddHours(1)));
        Assert.Contains("does not fit", t.Refused("followedUp", T0.AddHours(1), outcome: "satisfied"));
        Assert.Contains("does not fit", t.Refused("reworkOrdered", T0.AddHours(1)));
        Assert.Contains("does not fit", t.Refused("returnRequested", T0.AddHours(1), reason: "not ours"));
        Assert.Contains("does not fit", t.Refused("reassigned", T0.AddHours(1), unit: "unit-b"));
        Assert.Contains("already received", t.Refused("received", T0.AddHours(1), channel: "hotline"));

        t.Ok("dispatched", T0.AddHours(1), unit: "unit-a");
        Assert.Contains("does not fit", t.Refused("dispatched", T0.AddHours(2), unit: "unit-b"));
        Assert.Contains("does not fit", t.Refused("answered", T0.AddHours(2)));
        Assert.Contains("does not fit", t.Refused("closed", T0.AddHours(2)));             // open order cannot be closed
        Assert.Contains("does not fit", t.Refused("followedUp", T0.AddHours(2), outcome: "satisfied"));
        Assert.Contains("does not fit", t.Refused("returnApproved", T0.AddHours(2)));
        Assert.Contains("does not fit", t.Refused("returnRejected", T0.AddHours(2)));
        Assert.Contains("does not fit", t.Refused("reworkOrdered", T0.AddHours(2)));

        t.Ok("signed", T0.AddHours(2));
        Assert.Contains("does not fit", t.Refused("signed", T0.AddHours(3)));
        t.Ok("returnRequested", T0.AddHours(3), reason: "not our jurisdiction");
        Assert.Contains("does not fit", t.Refused("replied", T0.AddHours(4)));             // reply while a return is pending
        Assert.Contains("does not fit", t.Refused("reassigned", T0.AddHours(4), unit: "unit-b"));
        Assert.Contains("does not fit", t.Refused("returnRequested", T0.AddHours(4), reason: "again"));

        t.Ok("returnRejected", T0.AddHours(4));
        t.Ok("replied", T0.AddHours(5));
        Assert.Contains("only an order awaiting its reply", t.Refused("extended", T0.AddHours(6), deadline: T0.AddDays(30)));
        Assert.Contains("does not fit", t.Refused("returnRequested", T0.AddHours(6), reason: "late"));
    }

    [Fact]
    public void ExtensionsMustMoveTheDeadlineIntoTheFuture()
    {
        var t = new Ticket().Dispatched(T0);
        var current = t.State!.Deadline!.Value;
        Assert.Contains("in the past", t.Refused("extended", T0.AddDays(1), deadline: T0.AddHours(12)));
        Assert.Contains("in the past", t.Refused("extended", T0.AddDays(1), deadline: T0.AddDays(1)));
        Assert.Contains("does not extend", t.Refused("extended", T0.AddDays(1), deadline: current.AddHours(-1)));
        Assert.Contains("does not extend", t.Refused("extended", T0.AddDays(1), deadline: current));
        Assert.Contains("missing field 'deadline'", t.Refused("extended", T0.AddDays(1)));
        Assert.Equal(current.AddDays(5), t.Ok("extended", T0.AddDays(1), deadline: current.AddDays(5)).Deadline);
    }

    [Fact]
    public void DispatchChecksUnitUrgencyAndDeadline()
    {
        var t = new Ticket().Received(T0);
        Assert.Contains("unknown unit 'unit-x'", t.Refused("dispatched", T0.AddMinutes(1), unit: "unit-x"));
        Assert.Contains("missing field 'unitId'", t.Refused("dispatched", T0.AddMinutes(1)));
        Assert.Contains("missing field 'unitId'", t.Refused("dispatched", T0.AddMinutes(1), unit: " "));
        Assert.Contains("unknown urgency", t.Refused("dispatched", T0.AddMinutes(1), unit: "unit-a", urgency: "asap"));
        Assert.Contains("is not after", t.Refused(t.Event("dispatched", T0.AddMinutes(1), unit: "unit-a", deadline: T0)));

        var s = t.Ok("dispatched", T0.AddMinutes(1), unit: "unit-a", urgency: "urgent");
        Assert.Equal(Urgency.Urgent, s.Urgency);
        Assert.Equal(T0.AddMinutes(1).AddHours(24), s.Deadline);

        Assert.Contains("unknown unit 'unit-x'", t.Refused("reassigned", T0.AddHours(1), unit: "unit-x"));
        Assert.Contains("already with unit 'unit-a'", t.Refused("reassigned", T0.AddHours(1), unit: "unit-a"));
        // A reassignment keeps the urgency unless it says otherwise.
        s = t.Ok("reassigned", T0.AddHours(1), unit: "unit-b");
        Assert.Equal(Urgency.Urgent, s.Urgency);
        Assert.Equal(T0.AddHours(25), s.Deadline);
    }

    [Fact]
    public void ExplicitDispatchDeadlineWins()
    {
        var t = new Ticket().Received(T0);
        Assert.Equal(T0.AddDays(3), t.Ok(t.Event("dispatched", T0.AddMinutes(1), unit: "unit-a", deadline: T0.AddDays(3))).Deadline);
    }

    [Theory]
    [InlineData(null, "missing field 'id'")]
    [InlineData("", "missing field 'id'")]
    public void EnvelopeNeedsAnId(string? id, string reason)
    {
        var e = new Ticket().Event("received", T0, channel: "hotline") with { Id = id };
        Assert.Contains(reason, new Ticket().Refused(e));
    }

    [Fact]
    public void MissingOrMalformedFieldsAreRefused()
    {
        var t = new Ticket();
        var e = t.Event("received", T0, channel: "hotline");
        Assert.Contains("missing field 'type'", t.Refused(e with { Type = null }));
        Assert.Contains("missing field 'ticketId'", t.Refused(e with { TicketId = "" }));
        Assert.Contains("missing field 'at'", t.Refused(e with { At = null }));
        Assert.Contains("longer than 128", t.Refused(e with { Id = new string('x', 129) }));
        Assert.Contains("'ticketId' must be", t.Refused(e with { TicketId = "a/b" }));
        Assert.Contains("'ticketId' must be", t.Refused(e with { TicketId = new string('t', 65) }));
        Assert.Contains("missing field 'channel'", t.Refused(e with { Channel = null }));
        Assert.Contains("unknown channel 'fax'", t.Refused(e with { Channel = "fax" }));
        Assert.Contains("unknown channel 'Hotline'", t.Refused(e with { Channel = "Hotline" }));
        Assert.Contains("unknown requestType 'praise'", t.Refused(e with { RequestType = "praise" }));
        Assert.Contains("unknown requestType ''", t.Refused(e with { RequestType = "" }));

        t.Ok(e);
        t.Ok("dispatched", T0.AddMinutes(1), unit: "unit-a");
        Assert.Contains("missing field 'reason'", t.Refused("returnRequested", T0.AddMinutes(2)));
        Assert.Contains("missing field 'reason'", t.Refused("returnRequested", T0.AddMinutes(2), reason: "  "));
        t.Ok("replied", T0.AddMinutes(3));
        Assert.Contains("missing field 'outcome'", t.Refused("followedUp", T0.AddMinutes(4)));
        Assert.Contains("unknown outcome 'happy'", t.Refused("followedUp", T0.AddMinutes(4), outcome: "happy"));
        Assert.Contains("unknown outcome 'Satisfied'", t.Refused("followedUp", T0.AddMinutes(4), outcome: "Satisfied"));
        Assert.Equal(1, t.Ok("followedUp", T0.AddMinutes(4), outcome: "basicallySatisfied").BasicallySatisfied);
    }

    [Theory]
    [InlineData("escalated")]
    [InlineData("Received")]      // wire names are camelCase
    [InlineData("RECEIVED")]
    [InlineData("0")]
    [InlineData("received ")]
    [InlineData("received,Answered")] // not a flags enum: a list of names is not a type
    public void UnknownEventTypesAreRefused(string type)
    {
        var t = new Ticket();
        Assert.Contains("unknown event type", t.Refused(t.Event(type, T0, channel: "hotline")));
    }

    [Theory]
    [InlineData("help,Complaint")]
    [InlineData("complaint ")]
    [InlineData("Complaint")]
    public void UnknownRequestTypesAreRefused(string requestType)
    {
        var t = new Ticket();
        Assert.Contains("unknown requestType", t.Refused(t.Event("received", T0, channel: "hotline", requestType: requestType)));
    }

    [Fact]
    public void EventsEarlierThanTheLastOneAreRefused()
    {
        var t = new Ticket().Dispatched(T0);
        Assert.Contains("before the ticket's last event", t.Refused("signed", T0.AddSeconds(-1)));
        Assert.Contains("before the ticket's last event", t.Refused("supervised", T0.AddTicks(-1)));
        t.Ok("signed", T0); // the same instant is fine
    }

    public static TheoryData<string> AllTypes() => new(Enum.GetValues<TicketEventType>().Select(TicketEventTypes.Wire));

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void NothingIsAcceptedAfterClosed(string type)
    {
        var t = new Ticket().Dispatched(T0);
        t.Ok("replied", T0.AddHours(1));
        t.Ok("closed", T0.AddHours(2));
        var reason = t.Refused(type, T0.AddHours(3), unit: "unit-b", reason: "r", outcome: "satisfied", channel: "hotline", deadline: T0.AddDays(40));
        Assert.Contains(type == "received" ? "already received" : "closed", reason);
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void NothingIsAcceptedAfterAnswered(string type)
    {
        var t = new Ticket().Received(T0);
        t.Ok("answered", T0.AddMinutes(2));
        var reason = t.Refused(type, T0.AddHours(3), unit: "unit-b", reason: "r", outcome: "satisfied", channel: "hotline", deadline: T0.AddDays(40));
        Assert.Contains(type == "received" ? "already received" : "answered", reason);
    }

    [Fact]
    public void ReturnApprovedThenReassignedMovesTheOrderToTheNewUnit()
    {
        var t = new Ticket().Dispatched(T0, "unit-a");
        t.Ok("signed", T0.AddHours(1));
        var s = t.Ok("returnRequested", T0.AddHours(2), reason: "not our jurisdiction");
        Assert.Equal(TicketStatus.ReturnRequested, s.Status);
        Assert.Equal(1, s.ReturnRequests);
        Assert.Equal(0, s.LateReturnRequests);
        Assert.Equal("not our jurisdiction", s.History[^1].Detail);
        Assert.True(s.AwaitsReply); // the deadline keeps running while the return is pending
        Assert.Equal("unit-a", WorkOrderAssessment.Of(s)!.UnitId);

        s = t.Ok("returnApproved", T0.AddHours(3));
        Assert.Equal(TicketStatus.Returned, s.Status);
        Assert.Null(s.UnitId);
        Assert.Null(s.Deadline);
        Assert.Equal(new[] { "unit-a" }, s.PreviousUnits.ToArray());
        Assert.False(s.AwaitsReply);
        Assert.Null(WorkOrderAssessment.Of(s));
        Assert.Contains("only an order awaiting its reply", t.Refused("extended", T0.AddHours(4), deadline: T0.AddDays(30)));
        Assert.Contains("does not fit", t.Refused("replied", T0.AddHours(4)));

        var at = City(2024, 3, 5, 10);
        s = t.Ok("reassigned", at, unit: "unit-b");
        Assert.Equal(TicketStatus.Dispatched, s.Status);
        Assert.Equal("unit-b", s.UnitId);
        Assert.Equal(new[] { "unit-a" }, s.PreviousUnits.ToArray());
        Assert.Null(s.SignedAt);
        Assert.Equal(at, s.DispatchedAt);
        Assert.Equal(DeadlinePolicy.Default.HandlingDeadline(WorkingCalendar.China, at, RequestType.Help, Urgency.Normal), s.Deadline);
        var c = WorkOrderAssessment.Of(s)!;
        Assert.Equal("unit-b", c.UnitId);
        Assert.Equal(1, c.Counts.Due);
    }

    [Fact]
    public void DirectReassignmentRecordsThePreviousUnit()
    {
        var t = new Ticket().Dispatched(T0, "unit-a");
        t.Ok("signed", T0.AddHours(1));
        var s = t.Ok("reassigned", T0.AddHours(2), unit: "unit-b");
        Assert.Equal(new[] { "unit-a" }, s.PreviousUnits.ToArray());
        s = t.Ok("reassigned", T0.AddHours(3), unit: "unit-c");
        Assert.Equal(new[] { "unit-a", "unit-b" }, s.PreviousUnits.ToArray());
        Assert.Equal("unit-c", s.UnitId);
    }

    [Fact]
    public void RejectedReturnGoesBackToSignedOrDispatched()
    {
        var signed = new Ticket().Dispatched(T0);
        signed.Ok("signed", T0.AddHours(1));
        signed.Ok("returnRequested", T0.AddHours(2), reason: "not ours");
        var s = signed.Ok("returnRejected", T0.AddHours(3), reason: "it is yours");
        Assert.Equal(TicketStatus.Signed, s.Status);
        Assert.Equal("unit-a", s.UnitId);
        Assert.Empty(s.PreviousUnits);

        var unsigned = new Ticket().Dispatched(T0);
        unsigned.Ok("returnRequested", T0.AddHours(2), reason: "not ours");
        Assert.Equal(TicketStatus.Dispatched, unsigned.Ok("returnRejected", T0.AddHours(3)).Status);
        Assert.Equal(TicketStatus.Signed, unsigned.Ok("signed", T0.AddHours(4)).Status);
    }

    [Fact]
    public void ReturnRequestsAfterTheWindowAreFlaggedLate()
    {
        // Dispatched Thursday 8 Feb 2024: the two-working-day window runs to the end of Sunday 18 Feb (make-up day).
        var inTime = new Ticket().Dispatched(City(2024, 2, 8, 10));
        var s = inTime.Ok("returnRequested", City(2024, 2, 18, 23, 0), reason: "not ours");
        Assert.Equal((1, 0), (s.ReturnRequests, s.LateReturnRequests));

        var late = new Ticket().Dispatched(City(2024, 2, 8, 10));
        s = late.Ok("returnRequested", City(2024, 2, 19, 8, 0), reason: "not ours");
        Assert.Equal((1, 1), (s.ReturnRequests, s.LateReturnRequests));
        s = late.Ok("returnRejected", City(2024, 2, 19, 9, 0));
        s = late.Ok("returnRequested", City(2024, 2, 19, 10, 0), reason: "still not ours");
        Assert.Equal((2, 2), (s.ReturnRequests, s.LateReturnRequests));
    }

    [Fact]
    public void SupervisionAtAnyOpenPointIsClearedByClose()
    {
        var t = new Ticket().Received(T0);
        var at = T0;
        TicketState Sup() => t.Ok("supervised", at = at.AddMinutes(1), reason: "督办");
        Assert.True(Sup().Supervised);                                     // received
        t.Ok("dispatched", at = at.AddMinutes(1), unit: "unit-a");
        Assert.Equal(TicketStatus.Dispatched, Sup().Status);
        t.Ok("signed", at = at.AddMinutes(1));
        t.Ok("returnRequested", at = at.AddMinutes(1), reason: "x");
        Assert.Equal(TicketStatus.ReturnRequested, Sup().Status);
        t.Ok("returnApproved", at = at.AddMinutes(1));
        Assert.Equal(TicketStatus.Returned, Sup().Status);
        t.Ok("reassigned", at = at.AddMinutes(1), unit: "unit-b");
        t.Ok("replied", at = at.AddMinutes(1));
        Assert.Equal(TicketStatus.Replied, Sup().Status);
        t.Ok("followedUp", at = at.AddMinutes(1), outcome: "dissatisfied");
        Assert.Equal(TicketStatus.FollowedUp, Sup().Status);
        t.Ok("reworkOrdered", at = at.AddMinutes(1));
        var s = Sup();
        Assert.Equal(TicketStatus.Rework, s.Status);
        Assert.True(s.Supervised);
        Assert.Equal(7, s.Supervisions);
        t.Ok("replied", at = at.AddMinutes(1));

        s = t.Ok("closed", at = at.AddMinutes(1));
        Assert.False(s.Supervised);
        Assert.Equal(7, s.Supervisions);
        Assert.Contains("closed", t.Refused("supervised", at.AddMinutes(1)));
    }

    [Fact]
    public void SupervisionIsClearedWhenTheTicketIsAnsweredDirectly()
    {
        var t = new Ticket().Received(T0);
        Assert.True(t.Ok("supervised", T0.AddMinutes(1)).Supervised);
        var s = t.Ok("answered", T0.AddMinutes(2));
        Assert.True(s.IsFinal);
        Assert.False(s.Supervised);
        Assert.Equal(1, s.Supervisions);
    }

    [Fact]
    public void HasEventKnowsTheAcceptedEventIds()
    {
        var t = new Ticket("T-9");
        var received = t.Event("received", T0, channel: "wechat");
        var s = t.Ok(received);
        Assert.True(s.HasEvent(received.Id!));
        Assert.False(s.HasEvent("T-9-e2"));
        var refused = t.Event("replied", T0.AddMinutes(1));
        t.Refused(refused);
        Assert.False(t.State!.HasEvent(refused.Id!));
        var dispatched = t.Event("dispatched", T0.AddMinutes(2), unit: "unit-a");
        s = t.Ok(dispatched);
        Assert.True(s.HasEvent(received.Id!));
        Assert.True(s.HasEvent(dispatched.Id!));
        Assert.Equal(2, s.Version);
    }
}
