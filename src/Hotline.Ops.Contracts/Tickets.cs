using Orleans.Concurrency;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>What happened to one event of the feed.</summary>
public enum EventStatus { Accepted, Duplicate, Rejected }

[GenerateSerializer, Immutable]
public sealed record EventResult([property: Id(0)] string? Id, [property: Id(1)] EventStatus Status, [property: Id(2)] string? Reason = null)
{
    public static EventResult Rejected(string? id, string reason) => new(id, EventStatus.Rejected, reason);
}

/// <summary>One ticket (诉求/工单), keyed by its ticket number. Applies the feed's events in order, exactly once each.</summary>
public interface ITicketGrain : IGrainWithStringKey
{
    /// <summary>Applies the events in order (each accepted, duplicate or rejected on its own) with one storage write.</summary>
    Task<EventResult[]> Apply(TicketEvent[] events);

    /// <summary>The ticket's state and history, or null for an unknown ticket.</summary>
    Task<TicketState?> Get();

    /// <summary>
    /// Where the order counts now and at which version: what its unit ledger rebuilds itself from. Interleaved: a
    /// ledger activated by this ticket's own report asks for it while the ticket awaits that report.
    /// </summary>
    [AlwaysInterleave]
    Task<TicketReport> GetReport();

    /// <summary>
    /// Delivers the reports still in the ticket's outbox (the recovery sweep calls it for tickets whose stored state
    /// has some); answers how many are left undelivered (0 when all are through).
    /// </summary>
    Task<int> DeliverPending();
}

[GenerateSerializer, Immutable]
public sealed record TicketReport([property: Id(0)] int Version, [property: Id(1)] OrderContribution? Contribution);
