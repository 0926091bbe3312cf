using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains;

/// <summary>The calendar and deadline policy in force (configuration), combined with a unit lookup per event.</summary>
public sealed class TicketRulesProvider(WorkingCalendar calendar, DeadlinePolicy policy)
{
    public WorkingCalendar Calendar { get; } = calendar;
    public DeadlinePolicy Policy { get; } = policy;

    public TransitionRules For(Func<string, bool> isKnownUnit) => new(Calendar, Policy, isKnownUnit);
}

public static class GrainStorage
{
    /// <summary>The grain storage every grain type uses; the ADO.NET key is grain key + state name, so names differ per type.</summary>
    public const string Name = "hotline";
}
