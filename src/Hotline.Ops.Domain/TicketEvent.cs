namespace Hotline.Ops.Domain;

/// <summary>The kinds of ticket event in the feed (public contract).</summary>
public enum TicketEventType
{
    Received, Answered, Dispatched, Signed, ReturnRequested, ReturnApproved, ReturnRejected, Reassigned,
    Extended, Replied, FollowedUp, ReworkOrdered, Supervised, Closed,
}

public enum FollowUpOutcome { Satisfied, BasicallySatisfied, Dissatisfied }

/// <summary>
/// One event of the feed as it arrives on the wire. Only <see cref="Id"/>, <see cref="Type"/>,
/// <see cref="TicketId"/> and <see cref="At"/> are always required; the state machine checks the rest.
/// </summary>
public sealed record TicketEvent
{
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? TicketId { get; init; }
    public DateTimeOffset? At { get; init; }
    public string? Channel { get; init; }
    public string? Category { get; init; }
    public string? District { get; init; }
    public string? Text { get; init; }
    public string[]? Tags { get; init; }
    /// <summary>consultation, help, suggestion, complaint or report (on received; default help).</summary>
    public string? RequestType { get; init; }
    public string? UnitId { get; init; }
    public string? Urgency { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public string? Outcome { get; init; }
    public string? Reason { get; init; }
    // Call and agent events (callOffered, callAnswered, callAbandoned, callEnded, agentState): see Queues.cs.
    public string? Queue { get; init; }
    public string? Agent { get; init; }
    public string? CallId { get; init; }
    /// <summary>On agentState: available, onCall, afterCallWork, break, offline.</summary>
    public string? State { get; init; }
    /// <summary>On callEnded: the after-call work (话后处理) that follows, in seconds; an agentState event may end it earlier.</summary>
    public int? WrapUpSeconds { get; init; }
}

public static class TicketEventTypes
{
    public static string Wire(TicketEventType t) => WireNames<TicketEventType>.Of(t);

    // Exact wire names only: Enum.TryParse would also take "received,Answered" (a flags-style list, read as
    // Received|Answered = Answered) and names with surrounding blanks.
    public static bool TryParse(string? s, out TicketEventType t) => WireNames<TicketEventType>.TryParse(s, out t);

    public static bool TryParseOutcome(string? s, out FollowUpOutcome o)
    {
        o = s switch { "satisfied" => FollowUpOutcome.Satisfied, "basicallySatisfied" => FollowUpOutcome.BasicallySatisfied, _ => FollowUpOutcome.Dissatisfied };
        return s is "satisfied" or "basicallySatisfied" or "dissatisfied";
    }

    public static bool TryParseRequestType(string? s, out RequestType r)
    {
        r = RequestType.Help;
        return s is null || WireNames<RequestType>.TryParse(s, out r);
    }

    public static bool TryParseUrgency(string? s, out Urgency u)
    {
        u = s == "urgent" ? Urgency.Urgent : Urgency.Normal;
        return s is null or "normal" or "urgent";
    }
}

/// <summary>
/// An enum's names as they travel (camelCase: <c>Received</c> → "received"), computed once per type: every event parsed
/// and judged looked them up (profiled: ~3 % of the allocations under ingest when they were rebuilt per call).
/// </summary>
public static class WireNames<T> where T : struct, Enum
{
    private static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v => char.ToLowerInvariant(v.ToString()[0]) + v.ToString()[1..]);
    private static readonly Dictionary<string, T> Values = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string Of(T value) => Names.TryGetValue(value, out var name) ? name : value.ToString();

    public static bool TryParse(string? s, out T value)
    {
        if (s is not null && Values.TryGetValue(s, out value)) return true;
        value = default;
        return false;
    }
}
