namespace Hotline.Ops.Grains;

/// <summary>
/// How many ticket activations a silo keeps resident between a ticket's events (<c>Hotline:Tickets:ResidentLimit</c>;
/// none by default). A ticket rests for hours between most of its events (dispatched, then replied days later), yet
/// Orleans keeps it resident until it has been idle for its collection age. Under sustained ingest the resident tickets
/// are what every garbage collection promotes, and those pauses are the requests' tail latency (bench/FINDINGS.md,
/// item 24). Over the limit, a ticket goes to rest as soon as its events are stored and its reports delivered, and its
/// next event reads it back: shorter pauses and bounded memory, paid for with a read and an activation per later event
/// (the February replay took about a sixth longer with a limit of 20,000).
/// </summary>
public sealed class TicketResidency
{
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
