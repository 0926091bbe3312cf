using Orleans.Concurrency;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>A responsible unit (承办单位), keyed by its unit id: its profile and its view of the month.</summary>
public interface IUnitGrain : IGrainWithStringKey
{
    /// <summary>Read-only, so interleaved: a ledger activated by this unit's scorecard request asks for the profile.</summary>
    [AlwaysInterleave]
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
    Task<UnitMonthSummary> GetSummary();
    /// <summary>Open orders, the most urgent first (nearest deadline), at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AtRiskOrder>> GetAtRisk(int max);
    /// <summary>The unit's scorecard for this month, with the forecast from every open order.</summary>
    Task<Scorecard> GetScorecard(UnitProfile unit);
    /// <summary>Activates the ledger so its deadline scan runs (after a restart).</summary>
    Task Wake();

    /// <summary>Recomputes the ledger from its tickets' stored contributions and lists every difference.</summary>
    Task<IReadOnlyList<string>> Verify();

    /// <summary>What the ledger counts now: each counted order's contribution and the counters (for the consistency check).</summary>
    [AlwaysInterleave]
    Task<LedgerAudit> Audit();
}

/// <summary>A ledger's counted orders (ticket id → contribution) and its counters, as held in memory.</summary>
[GenerateSerializer, Immutable]
public sealed record LedgerAudit(
    [property: Id(0)] IReadOnlyDictionary<string, OrderContribution> Orders,
    [property: Id(1)] AssessmentCounts Hotline,
    [property: Id(2)] AssessmentCounts Mailbox);

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

/// <summary>An open order on a unit's scorecard: how close it is to its deadline.</summary>
[GenerateSerializer, Immutable]
public sealed record AtRiskOrder(
    [property: Id(0)] string TicketId,
    [property: Id(1)] AssessmentChannel Channel,
    [property: Id(2)] DateTimeOffset DispatchedAt,
    [property: Id(3)] DateTimeOffset Deadline,
    [property: Id(4)] WarningKind? Warning,
    [property: Id(5)] bool Supervised,
    [property: Id(6)] int ReturnRequests);

/// <summary>One table's live assessment on a unit's scorecard.</summary>
[GenerateSerializer, Immutable]
public sealed record ChannelScore(
    [property: Id(0)] AssessmentChannel Channel,
    [property: Id(1)] AssessmentCounts Counts,
    [property: Id(2)] ScoreComponents? Components,
    [property: Id(3)] decimal? Score,
    [property: Id(4)] Grade? Grade,
    [property: Id(5)] decimal? RatePct,
    [property: Id(6)] GradeForecast? Forecast,
    [property: Id(7)] WhatIfMargins? WhatIf = null);

[GenerateSerializer, Immutable]
public sealed record Scorecard(
    [property: Id(0)] UnitProfile Unit,
    [property: Id(1)] string Month,
    [property: Id(2)] ChannelScore Hotline,
    [property: Id(3)] ChannelScore Mailbox,
    [property: Id(4)] int Open,
    [property: Id(5)] int DueToday,
    [property: Id(6)] int Overdue,
    [property: Id(7)] int Supervised,
    [property: Id(8)] int MissedDeadline,
    [property: Id(9)] IReadOnlyList<AtRiskOrder> AtRisk,
    [property: Id(10)] IReadOnlyList<OrderImpact>? HotlineByImpact = null,
    [property: Id(11)] IReadOnlyList<OrderImpact>? MailboxByImpact = null)
{
    /// <summary>An open order for the forecast: which table it counts in, and its dispatch and deadline.</summary>
    public readonly record struct OpenItem(string TicketId, AssessmentChannel Channel, OpenOrder Order);

    /// <summary>
    /// The scorecard at <paramref name="now"/>: the full forecast (seeded by unit and month, so the same state gives the
    /// same answer), the what-if margins, and the open orders ranked by what replying to them now is worth.
    /// </summary>
    public static Scorecard Build(UnitProfile unit, UnitMonthSummary s, IReadOnlyList<AtRiskOrder> atRisk, GradeBounds bounds,
        DateTimeOffset now, IReadOnlyList<OpenItem> open)
    {
        var seed = StableSeed(unit.Id + "/" + s.Month);
        ChannelScore Channel(AssessmentChannel c, AssessmentCounts n)
        {
            var a = Scoring.Assess(c, n, bounds);
            var orders = open.Where(o => o.Channel == c).Select(o => o.Order).ToList();
            var forecast = Forecasts.Simulate(new ForecastInput(c, n, orders, now, s.Month, bounds, seed));
            return new ChannelScore(c, n, a.Components, a.Score, a.Grade, a.RatePct, forecast, WhatIf.For(c, n, bounds));
        }
        IReadOnlyList<OrderImpact> Rank(AssessmentChannel c, AssessmentCounts n) =>
            WhatIf.RankOpen(n, open.Where(o => o.Channel == c).Select(o => new OpenOrderRef(o.TicketId, o.Order)), now, s.Month);
        return new Scorecard(unit, s.Month,
            Channel(AssessmentChannel.Hotline, s.Hotline), Channel(AssessmentChannel.Mailbox, s.Mailbox),
            s.Open, s.DueToday, s.Overdue, s.Supervised, s.MissedDeadline, atRisk,
            Rank(AssessmentChannel.Hotline, s.Hotline), Rank(AssessmentChannel.Mailbox, s.Mailbox));
    }

    /// <summary>string.GetHashCode is randomised per process; the forecast's seed must not be.</summary>
    private static int StableSeed(string s)
    {
        unchecked
        {
            var h = (int)2166136261;
            foreach (var ch in s) h = (h ^ ch) * 16777619;
            return h;
        }
    }
}
