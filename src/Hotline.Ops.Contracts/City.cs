using Orleans.Concurrency;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>What a unit-month ledger tells the city: its counts and the state of its open orders now.</summary>
[GenerateSerializer, Immutable]
public sealed record UnitMonthSummary(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string Month,
    [property: Id(2)] AssessmentCounts Hotline,
    [property: Id(3)] AssessmentCounts Mailbox,
    [property: Id(4)] int Open,
    [property: Id(5)] int DueToday,
    [property: Id(6)] int Overdue,
    [property: Id(7)] int Supervised,
    [property: Id(8)] int MissedDeadline,
    [property: Id(9)] int OpenHotline,
    [property: Id(10)] Grade? HotlineForecast = null);

/// <summary>The month's request counts for the bulletin's headline.</summary>
[GenerateSerializer, Immutable]
public sealed record MonthActivity(
    [property: Id(0)] string Month,
    [property: Id(1)] int Received,
    [property: Id(2)] int Answered,
    [property: Id(3)] int Dispatched,
    [property: Id(4)] Dictionary<string, int> ByCategory,
    [property: Id(5)] Dictionary<string, int> ByChannel,
    [property: Id(6)] Dictionary<string, int> ByTag,
    [property: Id(7)] int LettersReceived,
    [property: Id(8)] int LettersAnswered,
    [property: Id(9)] int LettersDispatched);

/// <summary>The city-wide aggregate: activity merged from the silos' buffers and the unit-month summaries.</summary>
public interface ICityMetricsGrain : IGrainWithIntegerKey
{
    Task MergeActivity(ActivityBuckets delta);
    Task ReportUnitMonth(UnitMonthSummary summary);
    /// <summary>The current cityMetrics and leagueTable messages, for a new subscriber.</summary>
    Task<IReadOnlyList<WallMessage>> Snapshot();
    Task<MonthActivity> GetMonthActivity(string month);
    Task<IReadOnlyList<UnitMonthSummary>> GetUnitMonths(string month);
    /// <summary>The month's league table from the units' latest summaries (its cost grows with units, not orders).</summary>
    [AlwaysInterleave]
    Task<LeagueTableView> LeagueTable(string month);
}

public sealed record TodayView(string Date, int Received, int Answered, int Dispatched, double ReceivedOrdinary, double DispatchedOrdinary);
public sealed record OrdersView(int Open, int DueToday, int Overdue, int Supervised);
public sealed record MonthToDateView(int Received, int Answered, int Dispatched, decimal? CompletionRatePct, decimal? OnTimeRatePct, decimal? SatisfactionRatePct);
public sealed record CategorySeries(string Category, string Name, string NameEn, IReadOnlyList<int> Counts);
public sealed record CategoryChart(IReadOnlyList<DateTimeOffset> Hours, IReadOnlyList<CategorySeries> Series);
public sealed record CityMetricsView(DateTimeOffset At, string Month, TodayView Today, OrdersView Orders, MonthToDateView MonthToDate, CategoryChart Categories);

[GenerateSerializer, Immutable]
public sealed record LeagueRow([property: Id(0)] string UnitId, [property: Id(1)] string Name, [property: Id(2)] int Due, [property: Id(3)] decimal? Score,
    [property: Id(4)] Grade? Grade, [property: Id(5)] Grade? ForecastGrade, [property: Id(6)] int Open, [property: Id(7)] int Overdue, [property: Id(8)] int Supervised);
[GenerateSerializer, Immutable]
public sealed record LeagueGroup([property: Id(0)] UnitKind Kind, [property: Id(1)] IReadOnlyList<LeagueRow> Rows);
[GenerateSerializer, Immutable]
public sealed record LeagueTableView([property: Id(0)] string Month, [property: Id(1)] IReadOnlyList<LeagueGroup> Groups);
