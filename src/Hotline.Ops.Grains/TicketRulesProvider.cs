using System.Collections.Concurrent;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

/// <summary>The calendar and deadline policy in force (configuration), combined with a unit lookup per event.</summary>
public sealed class TicketRulesProvider(WorkingCalendar calendar, DeadlinePolicy policy)
{
    /// <summary>Units this silo has seen registered. A unit is never unregistered, so a yes is final and saves the unit
    /// grain a call per dispatch (its one activation is the hottest grain of a busy unit); a no is always asked again.</summary>
    private readonly ConcurrentDictionary<string, bool> _knownUnits = new(StringComparer.Ordinal);

    public WorkingCalendar Calendar { get; } = calendar;
    public DeadlinePolicy Policy { get; } = policy;

    public TransitionRules For(Func<string, bool> isKnownUnit) => new(Calendar, Policy, isKnownUnit);

    public async ValueTask<bool> IsRegisteredUnit(IGrainFactory grains, string unitId)
    {
        if (_knownUnits.ContainsKey(unitId)) return true;
        if (!UnitKinds.IsValidId(unitId) || await grains.GetGrain<IUnitGrain>(unitId).GetProfile() is null) return false;
        _knownUnits.TryAdd(unitId, true);
        return true;
    }
}

public static class GrainStorage
{
    /// <summary>The grain storage every grain type uses; the ADO.NET key is grain key + state name, so names differ per type.</summary>
    public const string Name = "hotline";
}
