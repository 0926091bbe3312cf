using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

/// <summary>
/// A silo's pre-aggregation of city activity: tickets add to it in memory (a dictionary increment per event) and it
/// is merged into the city's aggregate about once a second, so the city grain sees one call per silo per second
/// instead of one per event.
/// </summary>
public sealed class ActivityBuffer
{
    private readonly Lock _gate = new();
    private ActivityBuckets _pending = new();

    public void Record(TicketEventType type, DateTimeOffset at, TicketState ticket)
    {
        lock (_gate) _pending.Record(type, at, ticket.Channel, ticket.Category, ticket.Tags);
    }

    /// <summary>Hands the pending counts to the city; on failure they are put back and go with the next flush.</summary>
    public async Task FlushAsync(IGrainFactory grains)
    {
        ActivityBuckets batch;
        lock (_gate)
        {
            if (_pending.IsEmpty) return;
            (batch, _pending) = (_pending, new ActivityBuckets());
        }
        try
        {
            await grains.GetGrain<ICityMetricsGrain>(0).MergeActivity(batch);
        }
        catch
        {
            lock (_gate) _pending.Merge(batch);
            throw;
        }
    }
}
