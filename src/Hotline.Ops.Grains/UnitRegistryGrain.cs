using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

[GenerateSerializer]
public sealed class UnitRegistryRecord
{
    [Id(0)] public Dictionary<string, UnitProfile> Units { get; set; } = [];
    [Id(1)] public bool Seeded { get; set; }
}

/// <summary>The city's list of responsible units. Read for listings only: tickets ask the unit grain itself.</summary>
public sealed class UnitRegistryGrain(
    [PersistentState("unitRegistry", GrainStorage.Name)] IPersistentState<UnitRegistryRecord> record) : Grain, IUnitRegistryGrain
{
    public Task<IReadOnlyList<UnitProfile>> List() =>
        Task.FromResult<IReadOnlyList<UnitProfile>>(record.State.Units.Values.OrderBy(u => u.Kind).ThenBy(u => u.Id, StringComparer.Ordinal).ToList());

    public async Task Upsert(UnitProfile profile)
    {
        await GrainFactory.GetGrain<IUnitGrain>(profile.Id).Register(profile);
        record.State.Units[profile.Id] = profile;
        await record.WriteStateAsync();
    }

    public async Task<int> SeedIfEmpty(IReadOnlyList<UnitProfile> units)
    {
        if (record.State.Seeded) return 0;
        await Task.WhenAll(units.Select(u => GrainFactory.GetGrain<IUnitGrain>(u.Id).Register(u)));
        foreach (var u in units) record.State.Units[u.Id] = u;
        record.State.Seeded = true;
        await record.WriteStateAsync();
        return units.Count;
    }
}
