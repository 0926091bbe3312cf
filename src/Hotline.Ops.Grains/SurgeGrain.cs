using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Microsoft.Extensions.Logging;

namespace Hotline.Ops.Grains;

[GenerateSerializer]
public sealed class SurgeState
{
    [Id(0)] public SurgeDetector Detector { get; set; } = new();
    [Id(1)] public Dictionary<string, SurgeRecord> Surges { get; set; } = [];
}

/// <summary>
/// The city's surge detector. It never sees single events: each silo merges its minute counts about once a second
/// with its clock; the detector evaluates every whole event minute up to that clock less two minutes of grace (counts
/// that arrive later still count in the next windows). Alerts go to the wall and the leads at once.
/// </summary>
public sealed class SurgeGrain([PersistentState("surges", GrainStorage.Name)] IPersistentState<SurgeState> state, ILogger<SurgeGrain> logger) : Grain, ISurgeGrain
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);
    private DateTimeOffset? _watermark;

    public async Task Merge(MinuteBuckets delta, DateTimeOffset? watermark)
    {
        var d = state.State.Detector;
        if (!delta.IsEmpty) d.Add(delta);
        if (watermark is { } w && (_watermark is null || w > _watermark)) _watermark = w;
        if (_watermark is null) return;
        var before = d.Evaluated;
        var alerts = d.Advance(_watermark.Value - Grace);
        foreach (var a in alerts)
        {
            state.State.Surges[a.Id] = state.State.Surges.TryGetValue(a.Id, out var r) ? r.With(a) : SurgeRecord.Of(a);
            var message = WallMessage.Of(WallTopics.Wall, WallTopics.Methods.Surge, a);
            this.Publish(message);
            this.Publish(message with { Topic = WallTopics.Lead });
            if (a.Phase != SurgePhase.Update) logger.LogInformation("Surge {Phase} {Key}: {Count} against {Baseline}", a.Phase, a.Key, a.Count, a.Baseline);
        }
        // The learned baselines change once an hour; the alerts at once.
        // Taken back out, the alerts already sent stand: their minutes are not evaluated again.
        if (alerts.Count > 0 || d.Evaluated / 60 != before / 60)
            await state.WriteStateAsync().StoredOrTakenBack(() => d.Counts.Merge(delta, -1));
    }

    public Task<IReadOnlyList<SurgeRecord>> List(DateTimeOffset from, DateTimeOffset to) =>
        Task.FromResult<IReadOnlyList<SurgeRecord>>(state.State.Surges.Values
            .Where(s => s.StartedAt < to && (s.EndedAt ?? DateTimeOffset.MaxValue) >= from)
            .OrderBy(s => s.DetectedAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToList());
}
