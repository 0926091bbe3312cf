using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Orleans.Concurrency;

namespace Hotline.Ops.Grains;

[GenerateSerializer]
public sealed class CityRecord
{
    [Id(0)] public ActivityBuckets Activity { get; set; } = new();
    /// <summary>The latest summary of every unit-month ledger, keyed "{unitId}/{month}".</summary>
    [Id(1)] public Dictionary<string, UnitMonthSummary> UnitMonths { get; set; } = [];
}

/// <summary>
/// The city-wide aggregate. It never sees single events: silos merge their pre-aggregated activity about once a
/// second, and unit-month ledgers send their summaries at most once a second each. It publishes cityMetrics and the
/// league table at most once a second (coalesced), whatever the event rate.
/// </summary>
[Reentrant]
public sealed class CityMetricsGrain : Grain, ICityMetricsGrain
{
    private static readonly TimeSpan PublishEvery = TimeSpan.FromSeconds(1);
    private const int ChartHours = 12;
    private readonly IPersistentState<CityRecord> _record;
    private readonly GroupCommit _commit;
    private readonly CityClock _clock;
    private readonly GradeBounds _bounds;
    private IReadOnlyList<UnitProfile> _units = [];
    private DateTime _unitsFetched;
    private bool _dirty = true;
    private string? _lastCity;

    public CityMetricsGrain([PersistentState("city", GrainStorage.Name)] IPersistentState<CityRecord> record, CityClock clock, GradeBounds bounds)
    {
        _record = record;
        _clock = clock;
        _bounds = bounds;
        _commit = new GroupCommit(() => _record.WriteStateAsync());
    }

    public override Task OnActivateAsync(CancellationToken ct)
    {
        this.RegisterGrainTimer(PublishIfChanged, new GrainTimerCreationOptions(PublishEvery, PublishEvery) { KeepAlive = true, Interleave = true });
        return Task.CompletedTask;
    }

    public Task MergeActivity(ActivityBuckets delta)
    {
        _record.State.Activity.Merge(delta);
        _dirty = true;
        return _commit.CommitAsync();
    }

    public Task ReportUnitMonth(UnitMonthSummary s)
    {
        _record.State.UnitMonths[UnitKeys.Month(s.UnitId, s.Month)] = s;
        _dirty = true;
        return _commit.CommitAsync();
    }

    public async Task<IReadOnlyList<WallMessage>> Snapshot()
    {
        await RefreshUnits();
        var now = _clock.GetUtcNow();
        return [CityMessage(now), LeagueMessage(now)];
    }

    public Task<MonthActivity> GetMonthActivity(string month)
    {
        var m = _record.State.Activity.Month(month);
        return Task.FromResult(new MonthActivity(month, m.Received, m.Answered, m.Dispatched, m.ByCategory, m.ByChannel, m.ByTag,
            m.LettersReceived, m.LettersAnswered, m.LettersDispatched));
    }

    public Task<IReadOnlyList<UnitMonthSummary>> GetUnitMonths(string month) =>
        Task.FromResult<IReadOnlyList<UnitMonthSummary>>(_record.State.UnitMonths.Values.Where(s => s.Month == month).ToList());

    public async Task<LeagueTableView> LeagueTable(string month)
    {
        await RefreshUnits();
        return BuildLeagueTable(month);
    }

    private async Task PublishIfChanged(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var city = CityMessage(now);
        // The clock alone moves "today" and the chart's hours, so compare what would be sent, not just the inputs.
        if (!_dirty && city.Json == _lastCity) return;
        await RefreshUnits();
        _lastCity = city.Json;
        var wasDirty = _dirty;
        _dirty = false;
        this.Publish(city);
        this.Publish(city with { Topic = WallTopics.Lead });
        if (!wasDirty) return;
        var league = LeagueMessage(now);
        this.Publish(league);
        this.Publish(league with { Topic = WallTopics.Lead });
    }

    private async Task RefreshUnits()
    {
        if (_units.Count > 0 && DateTime.UtcNow - _unitsFetched < TimeSpan.FromSeconds(30)) return;
        _units = await GrainFactory.GetGrain<IUnitRegistryGrain>(0).List();
        _unitsFetched = DateTime.UtcNow;
    }

    private WallMessage CityMessage(DateTimeOffset now) =>
        WallMessage.Of(WallTopics.Wall, WallTopics.Methods.CityMetrics, BuildCityMetrics(now));

    private WallMessage LeagueMessage(DateTimeOffset now) =>
        WallMessage.Of(WallTopics.Wall, WallTopics.Methods.LeagueTable, BuildLeagueTable(CityTime.MonthOf(now)));

    public CityMetricsView BuildCityMetrics(DateTimeOffset now)
    {
        var activity = _record.State.Activity;
        var month = CityTime.MonthOf(now);
        var dayStart = CityTime.StartOfDay(CityTime.Date(now));
        var today = activity.Sum(dayStart, dayStart.AddDays(1));
        var (reqOrdinary, ordOrdinary) = OrdinaryDay.UpTo(now, activity);
        var monthCounts = activity.Month(month);

        int open = 0, dueToday = 0, overdue = 0, supervised = 0;
        AssessmentCounts total = default;
        foreach (var s in _record.State.UnitMonths.Values)
        {
            open += s.Open; dueToday += s.DueToday; overdue += s.Overdue; supervised += s.Supervised;
            if (s.Month == month) total += s.Hotline + s.Mailbox;
        }

        var hourStart = new DateTimeOffset(CityTime.ToCity(now).Date.AddHours(CityTime.ToCity(now).Hour), CityTime.Offset);
        var hours = Enumerable.Range(0, ChartHours).Select(i => hourStart.AddHours(i - ChartHours + 1)).ToList();
        var series = Categories.All.Select(c => new CategorySeries(c.Id, c.Name, c.NameEn,
            hours.Select(h => activity.Hours.TryGetValue(ActivityBuckets.HourKey(h), out var b) ? b.ByCategory.GetValueOrDefault(c.Id) : 0).ToList())).ToList();

        return new CityMetricsView(now, month,
            new TodayView(CityTime.Date(now).ToString("yyyy-MM-dd"), today.Received, today.Answered, today.Dispatched, Math.Round(reqOrdinary, 1), Math.Round(ordOrdinary, 1)),
            new OrdersView(open, dueToday, overdue, supervised),
            new MonthToDateView(monthCounts.Received, monthCounts.Answered, monthCounts.Dispatched,
                Scoring.RatePct(total.Handled, total.Due), Scoring.RatePct(total.OnTime, total.Due), Scoring.RatePct(total.SatisfiedTotal, total.FollowUps)),
            new CategoryChart(hours, series));
    }

    public LeagueTableView BuildLeagueTable(string month)
    {
        var byUnit = _record.State.UnitMonths.Values.Where(s => s.Month == month).ToDictionary(s => s.UnitId);
        var openByUnit = _record.State.UnitMonths.Values.GroupBy(s => s.UnitId)
            .ToDictionary(g => g.Key, g => (Open: g.Sum(s => s.Open), Overdue: g.Sum(s => s.Overdue), Supervised: g.Sum(s => s.Supervised)));
        var rows = _units.Select(u =>
        {
            var s = byUnit.GetValueOrDefault(u.Id);
            var counts = s?.Hotline ?? default;
            var a = Scoring.Assess(AssessmentChannel.Hotline, counts, _bounds);
            // The ledger's own forecast when it sent one; else the cheap one from the counts alone.
            var f = s is null ? null : s.HotlineForecast ?? Forecasts.Expected(AssessmentChannel.Hotline, counts, s.OpenHotline, _bounds)?.ExpectedGrade;
            var o = openByUnit.GetValueOrDefault(u.Id);
            return (u.Kind, Row: new LeagueRow(u.Id, u.Name, counts.Due, a.Score, a.Grade, f, o.Open, o.Overdue, o.Supervised));
        });
        var groups = rows.GroupBy(r => r.Kind).OrderBy(g => g.Key)
            .Select(g => new LeagueGroup(g.Key, g.Select(r => r.Row)
                .OrderByDescending(r => r.Score.HasValue).ThenByDescending(r => r.Score).ThenByDescending(r => r.Due).ThenBy(r => r.Name, StringComparer.Ordinal).ToList()))
            .ToList();
        return new LeagueTableView(month, groups);
    }
}
