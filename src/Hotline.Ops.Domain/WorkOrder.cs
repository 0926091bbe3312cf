using System.Collections.Immutable;

namespace Hotline.Ops.Domain;

/// <summary>Where a ticket (诉求) stands in the closed loop.</summary>
public enum TicketStatus
{
    /// <summary>Taken by a call-taker, not yet answered or dispatched.</summary>
    Received,
    /// <summary>Answered directly by the call-taker (直接答复); final.</summary>
    Answered,
    /// <summary>A work order (工单) sent to a unit, not yet signed for.</summary>
    Dispatched,
    /// <summary>Signed for by the unit (签收).</summary>
    Signed,
    /// <summary>The unit asked to send it back (退单申请); its deadline keeps running.</summary>
    ReturnRequested,
    /// <summary>Return approved: back with the centre, no unit holds it until it is reassigned.</summary>
    Returned,
    /// <summary>The unit replied (办结回复).</summary>
    Replied,
    /// <summary>Followed up with the citizen (回访).</summary>
    FollowedUp,
    /// <summary>Sent back to the unit to be done again (返工).</summary>
    Rework,
    /// <summary>Closed (结案); final.</summary>
    Closed,
}

public sealed record HistoryEntry(string EventId, TicketEventType Type, DateTimeOffset At, string? Detail);

/// <summary>The state of one ticket. Immutable: every accepted event yields a new state.</summary>
public sealed record TicketState
{
    public required string TicketId { get; init; }
    public required RequestChannel Channel { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public string? Category { get; init; }
    public string? District { get; init; }
    public string? Text { get; init; }
    public ImmutableArray<string> Tags { get; init; } = [];
    public RequestType RequestType { get; init; } = RequestType.Help;
    public TicketStatus Status { get; init; } = TicketStatus.Received;

    public string? UnitId { get; init; }
    /// <summary>Units that held the order before and gave it back (退单), in order.</summary>
    public ImmutableArray<string> PreviousUnits { get; init; } = [];
    public Urgency Urgency { get; init; } = Urgency.Normal;
    public DateTimeOffset? DispatchedAt { get; init; }
    public DateTimeOffset? SignOffDeadline { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public DateTimeOffset? SignedAt { get; init; }
    public DateTimeOffset? FirstReplyAt { get; init; }
    public int Replies { get; init; }
    public int Reworks { get; init; }
    public int Satisfied { get; init; }
    public int BasicallySatisfied { get; init; }
    public int Dissatisfied { get; init; }
    public int ReturnRequests { get; init; }
    public int LateReturnRequests { get; init; }
    /// <summary>Under supervision (督办) until closed or answered.</summary>
    public bool Supervised { get; init; }
    public int Supervisions { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    /// <summary>An array, not an ImmutableList: a ticket has a handful of events, and a list's tree is an object per entry
    /// kept by every resident ticket (bench/FINDINGS.md item 26).</summary>
    public ImmutableArray<HistoryEntry> History { get; init; } = [];

    /// <summary>Number of accepted events; increases with every change, so reports about the ticket can be ordered.</summary>
    public int Version => History.Length;
    public DateTimeOffset LastEventAt => History.IsEmpty ? ReceivedAt : History[^1].At;
    public bool IsWorkOrder => DispatchedAt is not null;
    public bool IsFinal => Status is TicketStatus.Answered or TicketStatus.Closed;
    /// <summary>With a unit and not yet replied: its deadline is running.</summary>
    public bool AwaitsReply => UnitId is not null && Status is TicketStatus.Dispatched or TicketStatus.Signed or TicketStatus.ReturnRequested or TicketStatus.Rework;
    public bool HasEvent(string eventId)
    {
        foreach (var h in History)
            if (h.EventId == eventId) return true;
        return false;
    }
}

/// <summary>What the state machine needs from outside: the calendar, the deadline policy and the units registry.</summary>
public sealed record TransitionRules(WorkingCalendar Calendar, DeadlinePolicy Policy, Func<string, bool> IsKnownUnit)
{
    public static TransitionRules Default(Func<string, bool> isKnownUnit) => new(WorkingCalendar.China, DeadlinePolicy.Default, isKnownUnit);
}

/// <summary>The outcome of applying one event: the new state, or the reason it was refused.</summary>
public readonly record struct Transition(TicketState? State, string? Rejection)
{
    public bool Accepted => Rejection is null;
    public static Transition Reject(string reason) => new(null, reason);
}

/// <summary>
/// The work-order state machine of the closed loop (受理 → 派单 → 签收 → 退单/改派 → 延期 → 办结 → 回访 → 返工 → 结案,
/// 督办 at any open point). Pure: it never reads a clock; every time comes from the events.
/// </summary>
public static class WorkOrderMachine
{
    // What a ticket id may not hold: control characters (char.IsControl: U+0000–U+001F, U+007F–U+009F) and '/'.
    private static readonly System.Buffers.SearchValues<char> TicketIdForbidden = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c), '/']);

    /// <summary>Checks the fields every event needs. Returns a reason, or null when the envelope is sound.</summary>
    public static string? ValidateEnvelope(TicketEvent e)
    {
        if (string.IsNullOrWhiteSpace(e.Id)) return "missing field 'id'";
        if (e.Id.Length > 128) return "'id' is longer than 128 characters";
        if (string.IsNullOrWhiteSpace(e.Type)) return "missing field 'type'";
        if (!TicketEventTypes.TryParse(e.Type, out _)) return $"unknown event type '{e.Type}'";
        if (string.IsNullOrWhiteSpace(e.TicketId)) return "missing field 'ticketId'";
        if (e.TicketId.Length > 64 || e.TicketId.AsSpan().ContainsAny(TicketIdForbidden)) return "'ticketId' must be at most 64 characters, without '/' or control characters";
        if (e.At is null) return "missing field 'at'";
        return null;
    }

    public static Transition Apply(TicketState? s, TicketEvent e, TransitionRules rules)
    {
        if (ValidateEnvelope(e) is { } bad) return Transition.Reject(bad);
        TicketEventTypes.TryParse(e.Type, out var type);
        var at = e.At!.Value;

        if (s is null)
        {
            return type == TicketEventType.Received
                ? Received(e, at)
                : Transition.Reject($"ticket '{e.TicketId}' is unknown: its first event must be 'received'");
        }
        if (type == TicketEventType.Received) return Transition.Reject($"ticket '{s.TicketId}' was already received");
        if (at < s.LastEventAt) return Transition.Reject($"'at' {at:O} is before the ticket's last event ({s.LastEventAt:O})");
        if (s.IsFinal) return Transition.Reject($"ticket '{s.TicketId}' is {Wire(s.Status)}: no further events");

        var r = type switch
        {
            TicketEventType.Answered => Require(s, type, TicketStatus.Received) ?? Ok(s with { Status = TicketStatus.Answered, ClosedAt = at, Supervised = false }),
            TicketEventType.Dispatched => Require(s, type, TicketStatus.Received) ?? Dispatch(s, e, at, rules, isReassignment: false),
            TicketEventType.Reassigned => Require(s, type, TicketStatus.Dispatched, TicketStatus.Signed, TicketStatus.Returned) ?? Dispatch(s, e, at, rules, isReassignment: true),
            TicketEventType.Signed => Require(s, type, TicketStatus.Dispatched) ?? Ok(s with { Status = TicketStatus.Signed, SignedAt = at }),
            TicketEventType.ReturnRequested => Require(s, type, TicketStatus.Dispatched, TicketStatus.Signed) ?? RequestReturn(s, e, at, rules),
            TicketEventType.ReturnApproved => Require(s, type, TicketStatus.ReturnRequested) ?? Ok(s with
            {
                Status = TicketStatus.Returned,
                PreviousUnits = s.PreviousUnits.Add(s.UnitId!),
                UnitId = null,
                Deadline = null,
                SignOffDeadline = null,
            }),
            TicketEventType.ReturnRejected => Require(s, type, TicketStatus.ReturnRequested)
                ?? Ok(s with { Status = s.SignedAt is null ? TicketStatus.Dispatched : TicketStatus.Signed }),
            TicketEventType.Extended => Extend(s, e, at),
            TicketEventType.Replied => Require(s, type, TicketStatus.Dispatched, TicketStatus.Signed, TicketStatus.Rework) ?? Ok(s with
            {
                Status = TicketStatus.Replied,
                FirstReplyAt = s.FirstReplyAt ?? at,
                Replies = s.Replies + 1,
            }),
            TicketEventType.FollowedUp => Require(s, type, TicketStatus.Replied, TicketStatus.FollowedUp) ?? FollowUp(s, e),
            TicketEventType.ReworkOrdered => Require(s, type, TicketStatus.Replied, TicketStatus.FollowedUp) ?? Ok(s with { Status = TicketStatus.Rework, Reworks = s.Reworks + 1 }),
            TicketEventType.Supervised => Ok(s with { Supervised = true, Supervisions = s.Supervisions + 1 }),
            TicketEventType.Closed => Require(s, type, TicketStatus.Received, TicketStatus.Replied, TicketStatus.FollowedUp)
                ?? Ok(s with { Status = TicketStatus.Closed, ClosedAt = at, Supervised = false }),
            _ => Transition.Reject($"unknown event type '{e.Type}'"),
        };
        return r.Accepted
            ? new Transition(r.State! with { History = s.History.Add(new HistoryEntry(e.Id!, type, at, Detail(type, e, r.State!))) }, null)
            : r;
    }

    private static Transition Received(TicketEvent e, DateTimeOffset at)
    {
        if (e.Channel is null) return Transition.Reject("missing field 'channel' on 'received'");
        if (!Channels.TryParse(e.Channel, out RequestChannel channel)) return Transition.Reject($"unknown channel '{e.Channel}'");
        if (!TicketEventTypes.TryParseRequestType(e.RequestType, out var requestType)) return Transition.Reject($"unknown requestType '{e.RequestType}'");
        var s = new TicketState
        {
            TicketId = e.TicketId!,
            Channel = channel,
            ReceivedAt = at,
            Category = SharedStrings.Common.Of(e.Category),
            District = SharedStrings.Common.Of(e.District),
            Text = e.Text,
            Tags = e.Tags is null ? [] : [.. e.Tags.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct()],
            RequestType = requestType,
        };
        return new Transition(s with { History = [new HistoryEntry(e.Id!, TicketEventType.Received, at, null)] }, null);
    }

    private static Transition Dispatch(TicketState s, TicketEvent e, DateTimeOffset at, TransitionRules rules, bool isReassignment)
    {
        if (string.IsNullOrWhiteSpace(e.UnitId)) return Transition.Reject($"missing field 'unitId' on '{e.Type}'");
        if (!rules.IsKnownUnit(e.UnitId)) return Transition.Reject($"unknown unit '{e.UnitId}'");
        if (isReassignment && e.UnitId == s.UnitId) return Transition.Reject($"the order is already with unit '{e.UnitId}'");
        if (!TicketEventTypes.TryParseUrgency(e.Urgency, out var urgency)) return Transition.Reject($"unknown urgency '{e.Urgency}'");
        if (e.Urgency is null && isReassignment) urgency = s.Urgency;
        if (e.Deadline is { } d && d <= at) return Transition.Reject($"deadline {d:O} is not after the event time {at:O}");
        // A new unit gets a full deadline from the policy: the clock of a returned order stopped when it came back.
        var deadline = e.Deadline ?? rules.Policy.HandlingDeadline(rules.Calendar, at, s.RequestType, urgency);
        return Ok(s with
        {
            Status = TicketStatus.Dispatched,
            UnitId = SharedStrings.Common.Of(e.UnitId),
            PreviousUnits = isReassignment && s.UnitId is { } old ? s.PreviousUnits.Add(old) : s.PreviousUnits,
            Urgency = urgency,
            DispatchedAt = at,
            Deadline = deadline,
            SignOffDeadline = rules.Policy.SignOffDeadline(rules.Calendar, at),
            SignedAt = null,
        });
    }

    private static Transition RequestReturn(TicketState s, TicketEvent e, DateTimeOffset at, TransitionRules rules)
    {
        if (string.IsNullOrWhiteSpace(e.Reason)) return Transition.Reject("missing field 'reason' on 'returnRequested'");
        var late = at > rules.Policy.ReturnWindowEnd(rules.Calendar, s.DispatchedAt!.Value);
        return Ok(s with
        {
            Status = TicketStatus.ReturnRequested,
            ReturnRequests = s.ReturnRequests + 1,
            LateReturnRequests = s.LateReturnRequests + (late ? 1 : 0),
        });
    }

    private static Transition Extend(TicketState s, TicketEvent e, DateTimeOffset at)
    {
        if (!s.AwaitsReply) return Transition.Reject($"only an order awaiting its reply can be extended; this one is {Wire(s.Status)}");
        if (e.Deadline is not { } d) return Transition.Reject("missing field 'deadline' on 'extended'");
        if (d <= at) return Transition.Reject($"the new deadline {d:O} is in the past (event time {at:O})");
        if (d <= s.Deadline) return Transition.Reject($"the new deadline {d:O} does not extend the current one ({s.Deadline:O})");
        return Ok(s with { Deadline = d });
    }

    private static Transition FollowUp(TicketState s, TicketEvent e)
    {
        if (e.Outcome is null) return Transition.Reject("missing field 'outcome' on 'followedUp'");
        if (!TicketEventTypes.TryParseOutcome(e.Outcome, out var o)) return Transition.Reject($"unknown outcome '{e.Outcome}'");
        return Ok(o switch
        {
            FollowUpOutcome.Satisfied => s with { Status = TicketStatus.FollowedUp, Satisfied = s.Satisfied + 1 },
            FollowUpOutcome.BasicallySatisfied => s with { Status = TicketStatus.FollowedUp, BasicallySatisfied = s.BasicallySatisfied + 1 },
            _ => s with { Status = TicketStatus.FollowedUp, Dissatisfied = s.Dissatisfied + 1 },
        });
    }

    private static Transition? Require(TicketState s, TicketEventType type, params TicketStatus[] allowed) =>
        allowed.Contains(s.Status)
            ? null
            : Transition.Reject($"'{TicketEventTypes.Wire(type)}' does not fit a ticket that is {Wire(s.Status)} (allowed when {string.Join(" or ", allowed.Select(Wire))})");

    private static Transition Ok(TicketState s) => new(s, null);

    private static string? Detail(TicketEventType type, TicketEvent e, TicketState s) => type switch
    {
        TicketEventType.Dispatched or TicketEventType.Reassigned => $"{s.UnitId}, due {s.Deadline:O}",
        TicketEventType.ReturnRequested => e.Reason,
        TicketEventType.Extended => $"due {s.Deadline:O}",
        TicketEventType.FollowedUp => e.Outcome,
        TicketEventType.ReturnRejected or TicketEventType.ReworkOrdered or TicketEventType.Supervised or TicketEventType.Closed => e.Reason,
        _ => null,
    };

    public static string Wire(TicketStatus s) => WireNames<TicketStatus>.Of(s);
}
