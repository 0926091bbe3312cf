using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Hotline.Ops.Grains;

/// <summary>
/// The city's own row: which pages it has. Activity is stored a city day per row (<see cref="CityActivityDay"/>) and
/// the ledgers' summaries a month per row (<see cref="CityUnitMonths"/>), so a write is the size of the days and months
/// it changed, not of the city's whole history (profiled: stored whole, the row grew by ~9 KB a city day and was
/// rewritten at every merge and report; 456 KB after February's replay, so ~3 MB after a year, computed).
/// </summary>
[GenerateSerializer]
public sealed class CityRecord
{
    /// <summary>Activity as stored before pages: read once, moved to the day pages, then empty.</summary>
    [Id(0)] public ActivityBuckets Activity { get; set; } = new();
    /// <summary>Summaries as stored before pages ("{unitId}/{month}"): read once, moved to the month pages, then empty.</summary>
    [Id(1)] public Dictionary<string, UnitMonthSummary> UnitMonths { get; set; } = [];
    /// <summary>The city days (yyyy-MM-dd, city time) with an activity page.</summary>
    [Id(2)] public HashSet<string> Days { get; set; } = [];
    /// <summary>The months (yyyy-MM) with a page of unit summaries.</summary>
    [Id(3)] public HashSet<string> Months { get; set; } = [];
}

/// <summary>One city day of activity: hour key → counts.</summary>
[GenerateSerializer]
public sealed class CityActivityDay
{
    [Id(0)] public Dictionary<string, HourCounts> Hours { get; set; } = [];
}

/// <summary>One month's ledger summaries: unit id → its latest summary for that month.</summary>
[GenerateSerializer]
public sealed class CityUnitMonths
{
    [Id(0)] public Dictionary<string, UnitMonthSummary> Units { get; set; } = [];
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
    /// <summary>
    /// How long after each whole second of the machine's clock the city publishes: time for the silos' whole-second
    /// hand-over (<c>SiloHeartbeat</c>) to arrive, so what they counted in the second before goes out with it.
    /// </summary>
    public static readonly TimeSpan PublishLag = TimeSpan.FromMilliseconds(50);
    private const int ChartHours = 12;
    private readonly IPersistentState<CityRecord> _record;
    private readonly IGrainStorage _storage;
    private readonly GroupCommit _commit;
    private readonly CityClock _clock;
    /// <summary>The machine's clock (the container's), for the publishing beat; <see cref="_clock"/> may be event time.</summary>
    private readonly TimeProvider _machine;
    private IGrainTimer? _publisher;
    private readonly GradeBounds _bounds;
    /// <summary>Every stored hour, for the queries; each <see cref="HourCounts"/> is also in its day's page.</summary>
    private readonly ActivityBuckets _activity = new();
    private readonly Dictionary<string, GrainState<CityActivityDay>> _days = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GrainState<CityUnitMonths>> _months = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyDays = new(StringComparer.Ordinal), _dirtyMonths = new(StringComparer.Ordinal);
    /// <summary>The grain's own row (what its pages are, and its own figures) changed since its last write.</summary>
    private readonly UnstoredChanges _header;
    private IReadOnlyList<UnitProfile> _units = [];
    private DateTimeOffset _unitsFetched;
    private bool _dirty = true;
    private string? _lastCity;

    public CityMetricsGrain([PersistentState("city", GrainStorage.Name)] IPersistentState<CityRecord> record,
        [FromKeyedServices(GrainStorage.Name)] IGrainStorage storage, CityClock clock, TimeProvider machine, GradeBounds bounds)
    {
        _machine = machine;
        _record = record;
        _storage = storage;
        _clock = clock;
        _bounds = bounds;
        _header = new UnstoredChanges(_record);
        _commit = new GroupCommit(WriteChanges);
    }

    /// <summary>The state name of a day's activity page (one storage row each).</summary>
    public static string DayPageName(string day) => "cityDay" + day;

    /// <summary>The state name of a month's page of unit summaries (one storage row each).</summary>
    public static string MonthPageName(string month) => "cityUnits" + month;

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        await ReadPages();
        _publisher = this.RegisterGrainTimer(PublishOnBeat, new GrainTimerCreationOptions(UntilNextPublish(), PublishEvery) { KeepAlive = true, Interleave = true });
    }

    /// <summary>A grain timer's period runs from the end of its callback, so it would drift off the beat: each tick sets the next.</summary>
    private async Task PublishOnBeat(CancellationToken ct)
    {
        try { await PublishIfChanged(); }
        finally { _publisher?.Change(UntilNextPublish(), PublishEvery); }
    }

    private TimeSpan UntilNextPublish() => Cadence.UntilNext(_machine.GetUtcNow(), PublishEvery, PublishLag);

    /// <summary>
    /// Reads the pages the city's row lists, and those a record stored before pages would move to. Such a record's
    /// hours and summaries go to their pages only where no page is stored yet: its pages are written first and the
    /// row emptied after, so after a crash in between the pages already hold them (and whatever came since).
    /// </summary>
    private async Task ReadPages()
    {
        var header = _record.State;
        var legacyDays = header.Activity.Hours.Keys.Select(DayOf).ToHashSet(StringComparer.Ordinal);
        var legacyMonths = header.UnitMonths.Values.Select(s => s.Month).ToHashSet(StringComparer.Ordinal);
        var grainId = this.GetGrainId();
        foreach (var d in header.Days.Concat(legacyDays)) _days.TryAdd(d, new GrainState<CityActivityDay>(new CityActivityDay()));
        foreach (var m in header.Months.Concat(legacyMonths)) _months.TryAdd(m, new GrainState<CityUnitMonths>(new CityUnitMonths()));
        await Task.WhenAll(_days.Select(d => _storage.ReadStateAsync(DayPageName(d.Key), grainId, d.Value))
            .Concat(_months.Select(m => _storage.ReadStateAsync(MonthPageName(m.Key), grainId, m.Value))));
        foreach (var (day, page) in _days)
        {
            page.State ??= new CityActivityDay();
            if (!page.RecordExists && legacyDays.Contains(day))
            {
                foreach (var (hour, counts) in header.Activity.Hours) if (DayOf(hour) == day) page.State.Hours[hour] = counts;
                _dirtyDays.Add(day);
            }
            foreach (var (hour, counts) in page.State.Hours) _activity.Hours[hour] = counts;
        }
        foreach (var (month, page) in _months)
        {
            page.State ??= new CityUnitMonths();
            if (page.RecordExists || !legacyMonths.Contains(month)) continue;
            foreach (var s in header.UnitMonths.Values) if (s.Month == month) page.State.Units[s.UnitId] = s;
            _dirtyMonths.Add(month);
        }
        if (legacyDays.Count == 0 && legacyMonths.Count == 0) return;
        await _commit.CommitAsync(); // the pages first
        header.Activity = new ActivityBuckets();
        header.UnitMonths = [];
        header.Days.UnionWith(_days.Keys);
        header.Months.UnionWith(_months.Keys);
        _header.Made();
        await _commit.CommitAsync();
    }

    private static string DayOf(string hourKey) => hourKey[..10];

    private GrainState<CityActivityDay> DayPage(string day) => Page(_days, _record.State.Days, day);

    private GrainState<CityUnitMonths> MonthPage(string month) => Page(_months, _record.State.Months, month);

    /// <summary>The page for <paramref name="key"/>; a new one is listed in the city's row, which is then written too.</summary>
    private GrainState<T> Page<T>(Dictionary<string, GrainState<T>> pages, HashSet<string> listed, string key) where T : new()
    {
        if (pages.TryGetValue(key, out var page)) return page;
        pages[key] = page = new GrainState<T>(new T());
        if (listed.Add(key)) _header.Made();
        return page;
    }

    private IEnumerable<UnitMonthSummary> Summaries() => _months.Values.SelectMany(p => p.State!.Units.Values);

    /// <summary>Writes the changed pages, and the city's row when it lists a new page, concurrently (one storage
    /// transaction when batched). What failed to write is marked changed again, so the next commit retries it.</summary>
    private Task WriteChanges()
    {
        var grainId = this.GetGrainId();
        return Task.WhenAll(
            ChangedPages.Write(_dirtyDays, d => _storage.WriteStateAsync(DayPageName(d), grainId, _days[d])),
            ChangedPages.Write(_dirtyMonths, m => _storage.WriteStateAsync(MonthPageName(m), grainId, _months[m])),
            _header.Commit());
    }

    public Task MergeActivity(ActivityBuckets delta)
    {
        Merge(delta, +1);
        _dirty = true;
        // Taken back out, its pages stay marked changed: the next write stores them without it.
        return _commit.CommitAsync().StoredOrTakenBack(() => Merge(delta, -1));
    }

    private void Merge(ActivityBuckets delta, int sign)
    {
        _activity.Merge(delta, sign);
        foreach (var hour in delta.Hours.Keys)
        {
            var day = DayOf(hour);
            var page = DayPage(day).State!.Hours;
            if (_activity.Hours.TryGetValue(hour, out var counts)) page[hour] = counts;
            else page.Remove(hour);
            _dirtyDays.Add(day);
        }
    }

    public Task ReportUnitMonth(UnitMonthSummary s)
    {
        MonthPage(s.Month).State!.Units[s.UnitId] = s;
        _dirtyMonths.Add(s.Month);
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
        var m = _activity.Month(month);
        return Task.FromResult(new MonthActivity(month, m.Received, m.Answered, m.Dispatched, m.ByCategory, m.ByChannel, m.ByTag,
            m.LettersReceived, m.LettersAnswered, m.LettersDispatched));
    }

    public Task<IReadOnlyList<UnitMonthSummary>> GetUnitMonths(string month) =>
        Task.FromResult<IReadOnlyList<UnitMonthSummary>>(_months.TryGetValue(month, out var page) ? page.State!.Units.Values.ToList() : []);

    public async Task<LeagueTableView> LeagueTable(string month)
    {
        await RefreshUnits();
        return BuildLeagueTable(month);
    }

    private async Task PublishIfChanged()
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
        if (_units.Count > 0 && _machine.GetUtcNow() - _unitsFetched < TimeSpan.FromSeconds(30)) return;
        _units = await GrainFactory.GetGrain<IUnitRegistryGrain>(0).List();
        _unitsFetched = _machine.GetUtcNow();
    }

    private WallMessage CityMessage(DateTimeOffset now) =>
        WallMessage.Of(WallTopics.Wall, WallTopics.Methods.CityMetrics, BuildCityMetrics(now));

    private WallMessage LeagueMessage(DateTimeOffset now) =>
        WallMessage.Of(WallTopics.Wall, WallTopics.Methods.LeagueTable, BuildLeagueTable(CityTime.MonthOf(now)));

    public CityMetricsView BuildCityMetrics(DateTimeOffset now)
    {
        var activity = _activity;
        var month = CityTime.MonthOf(now);
        var dayStart = CityTime.StartOfDay(CityTime.Date(now));
        var today = activity.Sum(dayStart, dayStart.AddDays(1));
        var (reqOrdinary, ordOrdinary) = OrdinaryDay.UpTo(now, activity);
        var monthCounts = activity.Month(month);

        int open = 0, dueToday = 0, overdue = 0, supervised = 0;
        AssessmentCounts total = default;
        foreach (var s in Summaries())
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
        var byUnit = _months.TryGetValue(month, out var page) ? page.State!.Units : [];
        var openByUnit = Summaries().GroupBy(s => s.UnitId)
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
