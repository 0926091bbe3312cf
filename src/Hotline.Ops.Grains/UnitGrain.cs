using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

[GenerateSerializer]
public sealed class UnitRecord
{
    [Id(0)] public UnitProfile? Profile { get; set; }
}

/// <summary>A responsible unit: its profile, and its scorecard assembled from its month ledgers.</summary>
public sealed class UnitGrain(
    [PersistentState("unit", GrainStorage.Name)] IPersistentState<UnitRecord> record) : Grain, IUnitGrain
{
    public Task<UnitProfile?> GetProfile() => Task.FromResult(record.State.Profile);

    public async Task Register(UnitProfile profile)
    {
        if (profile.Id != this.GetPrimaryKeyString()) throw new ArgumentException($"Profile id '{profile.Id}' does not match unit '{this.GetPrimaryKeyString()}'.");
        if (record.State.Profile == profile) return;
        record.State.Profile = profile;
        await record.WriteStateAsync();
    }

    public async Task<Scorecard> GetScorecard(string month)
    {
        var profile = record.State.Profile ?? throw new InvalidOperationException($"Unit '{this.GetPrimaryKeyString()}' is not registered.");
        return await GrainFactory.GetGrain<IUnitMonthGrain>(UnitKeys.Month(profile.Id, month)).GetScorecard(profile);
    }
}
