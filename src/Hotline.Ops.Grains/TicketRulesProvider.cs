using System.Collections.Concurrent;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

/// <summary>
/// What every ticket of a silo looks up: the calendar and deadline policy in force (configuration), the units known to
/// be registered, and the references to the unit-month ledgers its reports go to.
/// </summary>
public sealed class TicketRulesProvider(WorkingCalendar calendar, DeadlinePolicy policy)
{
    /// <summary>Units this silo has seen registered. A unit is never unregistered, so a yes is final and saves the unit
    /// grain a call per dispatch (its one activation is the hottest grain of a busy unit); a no is always asked again.</summary>
    private readonly ConcurrentDictionary<string, bool> _knownUnits = new(StringComparer.Ordinal);

    public WorkingCalendar Calendar { get; } = calendar;
    public DeadlinePolicy Policy { get; } = policy;

    /// <summary>The rules for an event that names no registered unit (most events: one instance, not one per event).</summary>
    public TransitionRules NoUnitKnown { get; } = new(calendar, policy, static _ => false);

    /// <summary>The rules for an event that dispatches to <paramref name="unitId"/>, registered or not.</summary>
    public async ValueTask<TransitionRules> ForDispatchTo(IGrainFactory grains, string unitId) =>
        await IsRegisteredUnit(grains, unitId) ? new(Calendar, Policy, id => id == unitId) : NoUnitKnown;

    /// <summary>The ledger of a unit-month (its key: <see cref="UnitKeys.Month"/>). A reference is made once per silo, not
    /// once per report: making one encodes the key and allocates a proxy (profiled under ingest). The ledgers of a few
    /// years of ~80 units fit many times over; past the bound the cache starts again rather than grow with bad keys.</summary>
    public IUnitMonthGrain Ledger(IGrainFactory grains, string unitMonthKey)
    {
        if (_ledgers.TryGetValue(unitMonthKey, out var ledger)) return ledger;
        if (_ledgers.Count >= MaxLedgers) _ledgers.Clear();
        return _ledgers.GetOrAdd(unitMonthKey, grains.GetGrain<IUnitMonthGrain>(unitMonthKey));
    }

    private const int MaxLedgers = 16_384;
    private readonly ConcurrentDictionary<string, IUnitMonthGrain> _ledgers = new(StringComparer.Ordinal);

    private async ValueTask<bool> IsRegisteredUnit(IGrainFactory grains, string unitId)
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
