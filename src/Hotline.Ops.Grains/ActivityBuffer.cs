using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

/// <summary>
/// A silo's pre-aggregation of city activity: tickets add to it in memory (a few dictionary increments per event, and
/// for a received request a dozen substring checks for the surge keywords) and it is merged into the city's aggregate,
/// the surge detector and the emergencies about once a second, so none of them sees single events.
/// </summary>
public sealed class ActivityBuffer
{
    private readonly Lock _gate = new();
    private readonly List<string> _scratch = [];
    private ActivityBuckets _pending = new();
    private MinuteBuckets _minutes = new();
    private EmergencyDelta _emergencies = new();

    /// <summary>Off only to measure the detector's cost (bench/).</summary>
    public bool DetectSurges { get; init; } = true;

    public void Record(TicketEventType type, DateTimeOffset at, TicketState ticket)
    {
        lock (_gate)
        {
            _pending.Record(type, at, ticket.Channel, ticket.Category, ticket.Tags);
            if (DetectSurges && type == TicketEventType.Received)
                _minutes.RecordReceived(at, ticket.Category, ticket.District, ticket.Tags, ticket.Text, _scratch);
            if (ticket.Tags.Length > 0) _emergencies.Record(type, at, ticket);
        }
    }

    /// <summary>Hands the pending counts over; on failure they are put back and go with the next flush.</summary>
    public async Task FlushAsync(IGrainFactory grains, DateTimeOffset? watermark = null)
    {
        ActivityBuckets batch;
        MinuteBuckets minutes;
        EmergencyDelta emergencies;
        lock (_gate)
        {
            (batch, _pending) = (_pending, new ActivityBuckets());
            (minutes, _minutes) = (_minutes, new MinuteBuckets());
            (emergencies, _emergencies) = (_emergencies, new EmergencyDelta());
        }
        var tasks = new List<Task>();
        if (!batch.IsEmpty) tasks.Add(Put(grains.GetGrain<ICityMetricsGrain>(0).MergeActivity(batch), () => _pending.Merge(batch)));
        if (DetectSurges && (!minutes.IsEmpty || watermark is not null)) tasks.Add(Put(grains.GetGrain<ISurgeGrain>(0).Merge(minutes, watermark), () => _minutes.Merge(minutes)));
        if (!emergencies.IsEmpty) tasks.Add(Put(grains.GetGrain<IEmergencyDirectoryGrain>(0).Merge(emergencies), () => _emergencies.Merge(emergencies)));
        await Task.WhenAll(tasks);
    }

    private async Task Put(Task call, Action putBack)
    {
        try { await call; }
        catch
        {
            lock (_gate) putBack();
            throw;
        }
    }
}
