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
    /// <summary>The counts and score at the end of every day with a change (today: as of now).</summary>
    Task<UnitTrend> GetTrend();
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
    [property: Id(11)] IReadOnlyList<OrderImpact>? MailboxByImpact = null,
    [property: Id(12)] DateTimeOffset? AsOf = null,
    [property: Id(13)] IReadOnlyList<OrderNote>? Returns = null,
    [property: Id(14)] IReadOnlyList<OrderNote>? Reworked = null)
{
    /// <summary>Whether an order here is on the returns list (退单): it has a return request, refused or pending.</summary>
    public static bool OnReturns(OrderContribution o) => o.ReturnRequests > 0;

    /// <summary>Whether an order is on the rework list (返工).</summary>
    public static bool OnRework(OrderContribution o) => o.Counts.Rework > 0;

    /// <summary>
    /// The scorecard at <paramref name="now"/> from the ledger's members (the orders counting here): the full forecast
    /// (<see cref="UnitForecasts"/>), the what-if margins, and the open orders ranked by what replying to them now is worth.
    /// </summary>
    /// <param name="members">The orders counting here. With <paramref name="reuse"/>, only those on the returns or rework
    /// lists (a return request or rework) are needed: nothing else is walked.</param>
    /// <param name="reuse">Forecasts and rankings built earlier to show again instead of simulating and ranking every open
    /// order (a busy ledger's live scorecard refreshes them every few seconds, not every second).</param>
    public static Scorecard Build(UnitProfile unit, UnitMonthSummary s, IReadOnlyList<AtRiskOrder> atRisk, GradeBounds bounds,
        DateTimeOffset now, IReadOnlyList<(string TicketId, OrderContribution Order)> members,
        IReadOnlyList<(string TicketId, OrderContribution Order)>? returnedAway = null,
        ScorecardReuse? reuse = null)
    {
        ChannelScore Channel(AssessmentChannel c, AssessmentCounts n)
        {
            var a = Scoring.Assess(c, n, bounds);
            var forecast = reuse is { } r ? (c == AssessmentChannel.Hotline ? r.HotlineForecast : r.MailboxForecast)
                : UnitForecasts.For(unit.Id, s.Month, c, n, members.Select(m => m.Order), now, bounds);
            return new ChannelScore(c, n, a.Components, a.Score, a.Grade, a.RatePct, forecast, WhatIf.For(c, n, bounds));
        }
        IReadOnlyList<OrderImpact> Rank(AssessmentChannel c, AssessmentCounts n) =>
            reuse is { } r ? (c == AssessmentChannel.Hotline ? r.HotlineByImpact : r.MailboxByImpact)
            : WhatIf.RankOpen(n,
                members.Where(m => m.Order.Open && m.Order.Channel == c).Select(m => new OpenOrderRef(m.TicketId, new OpenOrder(m.Order.DispatchedAt, m.Order.Deadline))),
                now, s.Month);
        // The returns and rework lists from one pass over the members: a ledger has thousands, each a step to memory
        // elsewhere (profiled: the ranking's filtered walk alone was 3 % of the server's samples). The ranking walks them
        // lazily: its thousands of candidates are not copied (copying them was slower than a second walk).
        List<OrderNote> returns = [], reworked = [];
        foreach (var (ticketId, o) in members)
        {
            if (OnReturns(o)) returns.Add(OrderNote.Of(ticketId, o, returnedAway: false));
            if (OnRework(o)) reworked.Add(OrderNote.Of(ticketId, o, returnedAway: false));
        }
        returns.AddRange((returnedAway ?? []).Select(m => OrderNote.Of(m.TicketId, m.Order, returnedAway: true)));
        return new Scorecard(unit, s.Month,
            Channel(AssessmentChannel.Hotline, s.Hotline), Channel(AssessmentChannel.Mailbox, s.Mailbox),
            s.Open, s.DueToday, s.Overdue, s.Supervised, s.MissedDeadline, atRisk,
            Rank(AssessmentChannel.Hotline, s.Hotline), Rank(AssessmentChannel.Mailbox, s.Mailbox), now,
            // 退单: orders here with a return request (refused or pending), then those returned and gone, the latest deadline first.
            [.. returns.OrderByDescending(n => n.Deadline).ThenBy(n => n.TicketId, StringComparer.Ordinal)],
            // 返工: orders sent back to be done again, the most rework first.
            [.. reworked.OrderByDescending(n => n.Rework).ThenBy(n => n.TicketId, StringComparer.Ordinal)]);
    }
}

/// <summary>
/// What a scorecard built earlier lends the next one of the same ledger: its forecasts and its open orders by impact.
/// A ranking shown again lists only the orders still open (the caller drops the others); an order dispatched since
/// joins at the next full build, a few seconds later.
/// </summary>
public sealed record ScorecardReuse(GradeForecast? HotlineForecast, GradeForecast? MailboxForecast,
    IReadOnlyList<OrderImpact> HotlineByImpact, IReadOnlyList<OrderImpact> MailboxByImpact);

/// <summary>An order on a unit's returns (退单) or rework (返工) list.</summary>
[GenerateSerializer, Immutable]
public sealed record OrderNote(
    [property: Id(0)] string TicketId,
    [property: Id(1)] AssessmentChannel Channel,
    [property: Id(2)] DateTimeOffset Deadline,
    [property: Id(3)] bool Open,
    [property: Id(4)] int ReturnRequests,
    [property: Id(5)] int Rework,
    /// <summary>The return was approved: the order left this unit and no longer counts here.</summary>
    [property: Id(6)] bool ReturnedAway)
{
    public static OrderNote Of(string ticketId, OrderContribution c, bool returnedAway) =>
        new(ticketId, c.Channel, c.Deadline, !returnedAway && c.Open, c.ReturnRequests, c.Counts.Rework, returnedAway);
}

/// <summary>A unit-month's score at the end of each day with a change: the portal's trend (GET /api/units/{id}/trend).</summary>
[GenerateSerializer, Immutable]
public sealed record UnitTrend(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string Month,
    [property: Id(2)] IReadOnlyList<TrendDay> Days)
{
    public static UnitTrend Of(string unitId, string month, IEnumerable<DayCounts> days, GradeBounds bounds) =>
        new(unitId, month, [.. days.OrderBy(d => d.Date).Select(d =>
        {
            var h = Scoring.Assess(AssessmentChannel.Hotline, d.Hotline, bounds);
            var m = Scoring.Assess(AssessmentChannel.Mailbox, d.Mailbox, bounds);
            return new TrendDay(d.Date, h.Score, h.Grade, m.Score, m.Grade, d.Hotline, d.Mailbox);
        })]);
}

[GenerateSerializer, Immutable]
public sealed record TrendDay(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] decimal? HotlineScore,
    [property: Id(2)] Grade? HotlineGrade,
    [property: Id(3)] decimal? MailboxScore,
    [property: Id(4)] Grade? MailboxGrade,
    [property: Id(5)] AssessmentCounts Hotline,
    [property: Id(6)] AssessmentCounts Mailbox);
