using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

[GenerateSerializer]
public sealed class EmergencyState
{
    [Id(0)] public List<Emergency> Emergencies { get; set; } = [];
    [Id(1)] public Dictionary<string, EmergencyCounts> Counts { get; set; } = [];
    [Id(2)] public Dictionary<string, EmergencyReport> Frozen { get; set; } = [];
    [Id(3)] public int Sequence { get; set; }
}

/// <summary>
/// The emergencies and their live counts. Silos merge their pre-aggregated deltas about once a second; the count is
/// pushed at most once a second, declared and ended at once.
/// </summary>
public sealed class EmergencyDirectoryGrain(
    [PersistentState("emergencies", GrainStorage.Name)] IPersistentState<EmergencyState> state, CityClock clock) : Grain, IEmergencyDirectoryGrain
{
    private readonly HashSet<string> _changed = [];
    private GroupCommit? _commit;
    private GroupCommit Commit => _commit ??= new GroupCommit(() => state.WriteStateAsync());

    public override Task OnActivateAsync(CancellationToken ct)
    {
        this.RegisterGrainTimer(PushCounts, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true, Interleave = true });
        return Task.CompletedTask;
    }

    public async Task<DeclareResult> Declare(string name, EmergencyRule rule, DateTimeOffset start)
    {
        if (state.State.Emergencies.Any(e => e.IsActive && e.Name == name)) return new DeclareResult(DeclareStatus.DuplicateName, null);
        var e = new Emergency($"em-{++state.State.Sequence}", name, rule, start, clock.GetUtcNow());
        state.State.Emergencies.Add(e);
        state.State.Counts[e.Id] = new EmergencyCounts();
        await state.WriteStateAsync();
        await Push(e, "declared", 0);
        return new DeclareResult(DeclareStatus.Declared, e);
    }

    public async Task<EmergencyReport?> End(string id)
    {
        var i = state.State.Emergencies.FindIndex(e => e.Id == id);
        if (i < 0) return null;
        if (state.State.Frozen.TryGetValue(id, out var frozen)) return frozen;
        var now = clock.GetUtcNow();
        var e = state.State.Emergencies[i] = state.State.Emergencies[i] with { End = now };
        var report = EmergencyReport.Of(e, state.State.Counts.GetValueOrDefault(id) ?? new(), now);
        state.State.Frozen[id] = report;
        await state.WriteStateAsync();
        await Push(e, "ended", report.Count);
        return report;
    }

    public Task<EmergencyReport?> Get(string id) => Task.FromResult(Report(state.State.Emergencies.FirstOrDefault(e => e.Id == id)));

    public Task<IReadOnlyList<EmergencyReport>> List() =>
        Task.FromResult<IReadOnlyList<EmergencyReport>>(state.State.Emergencies.Select(e => Report(e)!).ToList());

    public Task<IReadOnlyList<Emergency>> Active() =>
        Task.FromResult<IReadOnlyList<Emergency>>(state.State.Emergencies.Where(e => e.IsActive).ToList());

    public Task Merge(EmergencyDelta delta)
    {
        var merged = new List<(EmergencyCounts Mine, EmergencyCounts Delta)>();
        foreach (var (id, c) in delta.ById)
        {
            // Requests matched just before the end reach us after it: they still count, the frozen report does not change.
            if (state.State.Frozen.ContainsKey(id) || !state.State.Counts.TryGetValue(id, out var mine)) continue;
            mine.Merge(c);
            merged.Add((mine, c));
            _changed.Add(id);
        }
        return Commit.CommitAsync().StoredOrTakenBack(() =>
        {
            foreach (var (mine, c) in merged) mine.Merge(c, -1);
        });
    }

    private EmergencyReport? Report(Emergency? e) => e is null ? null
        : state.State.Frozen.TryGetValue(e.Id, out var f) ? f
        : EmergencyReport.Of(e, state.State.Counts.GetValueOrDefault(e.Id) ?? new(), clock.GetUtcNow());

    private async Task PushCounts(CancellationToken ct)
    {
        if (_changed.Count == 0) return;
        var ids = _changed.ToList();
        _changed.Clear();
        foreach (var e in state.State.Emergencies.Where(e => ids.Contains(e.Id) && e.IsActive))
            await Push(e, "update", state.State.Counts[e.Id].Received);
    }

    private async Task Push(Emergency e, string phase, int count)
    {
        var m = WallMessage.Of(WallTopics.Wall, WallTopics.Methods.Emergency, new EmergencyMessage(e.Id, e.Name, phase, count, clock.GetUtcNow()));
        this.Publish(m);
        this.Publish(m with { Topic = WallTopics.Lead });
    }
}

/// <summary>
/// The active emergency rules on this silo, refreshed every few seconds from the directory (and at once after a
/// declaration on this silo), so that matching a request costs no grain call.
/// </summary>
public sealed class EmergencyRules
{
    private volatile IReadOnlyList<Emergency> _active = [];
    public IReadOnlyList<Emergency> Active => _active;
    public void Set(IReadOnlyList<Emergency> active) => _active = active;

    public async Task RefreshAsync(IGrainFactory grains) => Set(await grains.GetGrain<IEmergencyDirectoryGrain>(0).Active());
}
