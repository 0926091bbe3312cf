using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

[GenerateSerializer]
public sealed class AdjustmentsRecord
{
    [Id(0)] public List<Adjustment> Entries { get; set; } = [];
}

/// <summary>The centre's entered bonuses and penalties for a year; the ones that follow from grades are computed.</summary>
public sealed class AdjustmentsGrain([PersistentState("adjustments", GrainStorage.Name)] IPersistentState<AdjustmentsRecord> record)
    : Grain, IAdjustmentsGrain
{
    public async Task<Adjustment> Add(Adjustment adjustment)
    {
        record.State.Entries.Add(adjustment);
        await record.WriteStateAsync();
        return adjustment;
    }

    public Task<IReadOnlyList<Adjustment>> List() => Task.FromResult<IReadOnlyList<Adjustment>>(record.State.Entries.ToList());
}
