using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>A responsible unit (承办单位), keyed by its unit id: its profile and its view of the month.</summary>
public interface IUnitGrain : IGrainWithStringKey
{
    Task<UnitProfile?> GetProfile();
    Task Register(UnitProfile profile);
    Task<Scorecard> GetScorecard(string month);
}

/// <summary>
/// A unit's ledger for one assessment month, keyed "{unitId}/{YYYY-MM}": the contribution of every order due in that
/// month, so the counters are exact, idempotent per (ticket, version) and can be checked against the tickets.
/// </summary>
public interface IUnitMonthGrain : IGrainWithStringKey
{
    /// <summary>Sets the ticket's contribution (null: it no longer counts here). Older versions are ignored.</summary>
    Task Report(string ticketId, int version, OrderContribution? contribution);
    Task<UnitMonthCounts> GetCounts();
}

/// <summary>The registry of responsible units (one per city).</summary>
public interface IUnitRegistryGrain : IGrainWithIntegerKey
{
    Task<IReadOnlyList<UnitProfile>> List();
    Task Upsert(UnitProfile profile);
    /// <summary>Registers the seed units once, when the registry is empty.</summary>
    Task<int> SeedIfEmpty(IReadOnlyList<UnitProfile> units);
}

public static class UnitKeys
{
    public static string Month(string unitId, string month) => unitId + "/" + month;
}

[GenerateSerializer, Immutable]
public sealed record UnitMonthCounts(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string Month,
    [property: Id(2)] AssessmentCounts Hotline,
    [property: Id(3)] AssessmentCounts Mailbox,
    [property: Id(4)] int OpenOrders);

/// <summary>One table's live assessment on a unit's scorecard.</summary>
[GenerateSerializer, Immutable]
public sealed record ChannelScore(
    [property: Id(0)] AssessmentChannel Channel,
    [property: Id(1)] AssessmentCounts Counts,
    [property: Id(2)] ScoreComponents? Components,
    [property: Id(3)] decimal? Score,
    [property: Id(4)] Grade? Grade,
    [property: Id(5)] decimal? RatePct)
{
    public static ChannelScore From(Assessment a) => new(a.Channel, a.Counts, a.Components, a.Score, a.Grade, a.RatePct);
}

[GenerateSerializer, Immutable]
public sealed record Scorecard(
    [property: Id(0)] UnitProfile Unit,
    [property: Id(1)] string Month,
    [property: Id(2)] ChannelScore Hotline,
    [property: Id(3)] ChannelScore Mailbox,
    [property: Id(4)] int OpenOrders);
