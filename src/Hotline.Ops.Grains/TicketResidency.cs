namespace Hotline.Ops.Grains;

/// <summary>
/// How many ticket activations a silo keeps resident between a ticket's events (<c>Hotline:Tickets:ResidentLimit</c>,
/// <see cref="DefaultLimit"/> unless set). A ticket rests for hours between most of its events (dispatched, then
/// replied days later), yet Orleans keeps it resident until it has been idle for its collection age. Under sustained
/// ingest the resident tickets are what every garbage collection promotes, and those pauses are the requests' tail
/// latency (bench/FINDINGS.md, item 24). Over the limit, a ticket goes to rest as soon as its events are stored and its
/// reports delivered, and its next event reads it back: shorter pauses and bounded memory, paid for with a read and an
/// activation per later event (the February replay took 8–16 % longer with a limit of 20,000, two pairs). Without a
/// limit a storm of 5,000 events a second would keep ~2 million tickets, ~6 GB (computed, not run), until their idle
/// age of 15 minutes passed (bench/FINDINGS.md, item 35).
/// </summary>
public sealed class TicketResidency
{
    /// <summary>
    /// The servers' default: a silo keeps ~270 MB of tickets (2.7 KB each) at most, and a whole month's replay (84,000
    /// tickets in February 2024) stays resident, so only a storm beyond the month's volume makes tickets rest.
    /// </summary>
    public const int DefaultLimit = 100_000;

    private int _resident;

    public TicketResidency(int? limit = null)
    {
        if (limit is { } l) ArgumentOutOfRangeException.ThrowIfNegative(l, nameof(limit));
        Limit = limit;
    }

    /// <summary>Resident tickets a silo keeps before tickets rest after their events; null: no limit.</summary>
    public int? Limit { get; }

    /// <summary>Ticket activations resident on this silo now.</summary>
    public int Resident => Volatile.Read(ref _resident);

    internal bool Full => Resident > Limit;

    internal void Arrived() => Interlocked.Increment(ref _resident);
    internal void Left() => Interlocked.Decrement(ref _resident);
}
