using Orleans.Concurrency;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>The city's surge detector: silos merge their minute counts once a second; it evaluates once per event minute.</summary>
public interface ISurgeGrain : IGrainWithIntegerKey
{
    /// <summary>A silo's minute counts and its clock when it took them (null before the event clock has a time).</summary>
    Task Merge(MinuteBuckets delta, DateTimeOffset? watermark);
    Task<IReadOnlyList<SurgeRecord>> List(DateTimeOffset from, DateTimeOffset to);
}

public enum DeclareStatus { Declared, DuplicateName }

[GenerateSerializer, Immutable]
public sealed record DeclareResult([property: Id(0)] DeclareStatus Status, [property: Id(1)] Emergency? Emergency);

/// <summary>The emergencies: declared, counted (silos merge deltas once a second), ended with a frozen report.</summary>
public interface IEmergencyDirectoryGrain : IGrainWithIntegerKey
{
    Task<DeclareResult> Declare(string name, EmergencyRule rule, DateTimeOffset start);
    /// <summary>Ends an emergency and freezes its report; null for an unknown id. Ending an ended one returns its report.</summary>
    Task<EmergencyReport?> End(string id);
    Task<EmergencyReport?> Get(string id);
    Task<IReadOnlyList<EmergencyReport>> List();
    /// <summary>The active rules, for the silos' caches.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<Emergency>> Active();
    Task Merge(EmergencyDelta delta);
}

/// <summary>The emergency message on the wall, the leads' screens and a unit's topic.</summary>
public sealed record EmergencyMessage(string Id, string Name, string Phase, int Count, DateTimeOffset At, string? TicketId = null, string? UnitId = null, DateTimeOffset? Deadline = null);
