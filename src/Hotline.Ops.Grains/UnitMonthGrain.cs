using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Hotline.Ops.Grains;

/// <summary>A ticket's last reported contribution to this unit-month, and the last deadline warning it got.</summary>
public sealed record LedgerEntry(int Version, OrderContribution? Contribution, int Warned = 0)
{
    public bool IsOpen => Contribution is { Open: true };
}

/// <summary>
/// What a ledger stores besides its members (<see cref="LedgerMemberPage"/>): the daily trend and the returned orders.
/// The contributions themselves are stored once, with their tickets; the ledger rebuilds its counters from them when
/// it activates. So only a change of membership (dispatch, reassignment, a deadline moving month) or a warning costs a
/// write, not every reply or follow-up.
/// </summary>
[GenerateSerializer]
public sealed class UnitMonthLedger
{
    /// <summary>Members as stored before they moved to pages: read once, moved to the pages, then empty.</summary>
    [Id(0)] public Dictionary<string, int> Members { get; set; } = [];
    /// <summary>The counts at the end of each city day with a change, oldest first (the portal's trend). The day's last
    /// figures are stored with the first write of the next day at the latest, so this costs no write per reply.</summary>
    [Id(1)] public List<DayCounts> Daily { get; set; } = [];
    /// <summary>Orders whose return (退单) was approved: they count for nobody here any more, but the unit's returns list shows them.</summary>
    [Id(2)] public Dictionary<string, OrderContribution> ReturnedAway { get; set; } = [];
}

/// <summary>
/// One of a ledger's <see cref="UnitMonthGrain.MemberPages"/> member pages: ticket id → last warning sent (0 none, then
/// <see cref="WarningKind"/>), for the tickets whose id hashes to this page. A membership change writes one page, so
/// a write's size is a 32nd of the month's orders instead of all of them (profiled: serializing the whole membership
/// on every dispatch grew with the month and was the ledger's main cost).
/// </summary>
[GenerateSerializer]
public sealed class LedgerMemberPage
{
    [Id(0)] public Dictionary<string, int> Members { get; set; } = [];
}

/// <summary>
/// A unit's assessment month as the sum of its orders' contributions, and the deadline watch over its open orders.
/// Reentrant with group commit: concurrent reports share one storage write, and each is answered once durable.
/// Deadlines are scanned on a grain timer from a schedule ordered by the next warning's time (no reminder per
/// order); a reminder per ledger with open orders brings it back after a restart or failover.
/// </summary>
[Reentrant]
public sealed class UnitMonthGrain : Grain, IUnitMonthGrain, IRemindable
{
    private const string ReminderName = "deadline-watch";
    /// <summary>128 (was 32: profiled, serializing a page on every dispatch was 6 % of the server's CPU under sustained
    /// ingest with ~2,000 orders a unit). Members stored with fewer pages move to their own page on activation.</summary>
    public const int MemberPages = 128;
    private readonly IPersistentState<UnitMonthLedger> _ledger;
    private readonly IGrainStorage _storage;
    private readonly GrainState<LedgerMemberPage>[] _pages = new GrainState<LedgerMemberPage>[MemberPages];
    private readonly HashSet<int> _dirtyPages = [];
    /// <summary>The grain's own row (what its pages are, and its own figures) changed since its last write.</summary>
    private readonly UnstoredChanges _header;
    private readonly GroupCommit _commit;
    private readonly CityClock _clock;
    /// <summary>The machine's clock: the chores' pace is a matter of CPU, not of event time.</summary>
    private readonly TimeProvider _machine;
    private readonly GradeBounds _bounds;
    private readonly ILogger<UnitMonthGrain> _logger;
    private readonly SortedSet<(DateTimeOffset Next, string TicketId)> _schedule = [];
    private AssessmentCounts _hotline, _mailbox;
    private string _unitId = "", _month = "", _unitName = "";
    private DateTimeOffset _activatedAt;
    private readonly Dictionary<string, LedgerEntry> _orders = [];
    /// <summary>The open orders by deadline (then ticket id), kept as they change: the at-risk list is its head, not a
    /// sort of every open order at each tick.</summary>
    private readonly SortedSet<(DateTimeOffset Deadline, string TicketId)> _openByDeadline = new(ByDeadline.Instance);
    /// <summary>The orders on the returns or rework lists (a return request or rework), kept as they change: between
    /// full builds the live scorecard lists them from here, not from a walk of every order.</summary>
    private readonly HashSet<string> _noted = [];
    private readonly LedgerCounts _counts = new();
    private bool _dirty, _reminderOn;
    private UnitMonthSummary? _lastSummary;

    public UnitMonthGrain(
        [PersistentState("unitMonth", GrainStorage.Name)] IPersistentState<UnitMonthLedger> ledger,
        [FromKeyedServices(GrainStorage.Name)] IGrainStorage storage,
        CityClock clock, TimeProvider machine, GradeBounds bounds, ILogger<UnitMonthGrain> logger)
    {
        _machine = machine;
        _bounds = bounds;
        _ledger = ledger;
        _clock = clock;
        _logger = logger;
        _storage = storage;
        _header = new UnstoredChanges(_ledger);
        _commit = new GroupCommit(WriteChanges);
    }

    /// <summary>The state name of a member page (one storage row per page).</summary>
    public static string PageName(int page) => $"unitMonthMembers{page:00}";

    /// <summary>A ticket's page, the same in every process.</summary>
    public static int PageOf(string ticketId) => (int)(Domain.StableHash.Of(ticketId) % MemberPages);

    private Dictionary<string, int> Page(int page) => _pages[page].State!.Members;

    private IEnumerable<KeyValuePair<string, int>> StoredMembers() => Enumerable.Range(0, MemberPages).SelectMany(Page);

    private bool TryGetMember(string ticketId, out int warned) => Page(PageOf(ticketId)).TryGetValue(ticketId, out warned);

    private void SetMember(string ticketId, int warned)
    {
        var page = PageOf(ticketId);
        Page(page)[ticketId] = warned;
        _dirtyPages.Add(page);
    }

    private void RemoveMember(string ticketId)
    {
        var page = PageOf(ticketId);
        if (Page(page).Remove(ticketId)) _dirtyPages.Add(page);
    }

    private bool HasUnsavedChanges => _header.Any || _dirtyPages.Count > 0;

    /// <summary>Completes once every change made so far is stored (at once when nothing is waiting).</summary>
    private Task Stored() => HasUnsavedChanges ? _commit.CommitAsync() : Task.CompletedTask;

    /// <summary>Writes the header if it changed and every changed page, concurrently (one storage transaction when
    /// batched). What failed to write is marked changed again, so the next commit retries it.</summary>
    private Task WriteChanges()
    {
        var grainId = this.GetGrainId();
        return Task.WhenAll(ChangedPages.Write(_dirtyPages, p => _storage.WriteStateAsync(PageName(p), grainId, _pages[p])), _header.Commit());
    }

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.LastIndexOf('/');
        (_unitId, _month) = (key[..slash], key[(slash + 1)..]);
        // Each ledger keeps its own phase, so a month's busy ledgers, woken together, neither build their scorecards in
        // the same quarter-second of every second nor their forecasts in the same one of every ForecastEvery (see Tick).
        _fullBuildOffset = Cadence.PhaseOf(key, ForecastEvery);
        _ticks = (int)(_fullBuildOffset / TickEvery) % TicksPerSecond;
        _activatedAt = _clock.GetUtcNow();
        await ReadPages();
        await Rebuild();
        _dirty = _orders.Count > 0; // tell the city what a restored ledger holds
        _unitName = (await GrainFactory.GetGrain<IUnitGrain>(_unitId).GetProfile())?.Name ?? _unitId;
        _reminderOn = await this.GetReminder(ReminderName) is not null;
        if (!_dirty) _lastSummary = Summarise(_activatedAt);
        // Deadlines are checked four times a second (only the schedule's head is looked at); the summary, which walks
        // the ledger, at most once a second.
        this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(TickEvery, TickEvery) { KeepAlive = true, Interleave = true });
    }

    public Task Wake() => Task.CompletedTask;

    public async Task<IReadOnlyList<string>> Verify()
    {
        var key = this.GetPrimaryKeyString();
        var differences = new List<string>();
        AssessmentCounts hotline = default, mailbox = default;
        foreach (var (ticketId, entry) in _orders.Where(o => o.Value.Contribution is not null).ToList())
        {
            var report = await GrainFactory.GetGrain<ITicketGrain>(ticketId).GetReport();
            var c = report.Contribution;
            if (c is null || UnitKeys.Month(c.UnitId, c.Month) != key) { differences.Add($"{key}: ticket {ticketId} counts here but its ticket says {(c is null ? "nowhere" : UnitKeys.Month(c.UnitId, c.Month))}"); continue; }
            if (c != entry.Contribution) differences.Add($"{key}: ticket {ticketId} is at version {report.Version} with {c.Counts}, the ledger has version {entry.Version} with {entry.Contribution!.Counts}");
            if (c.Channel == AssessmentChannel.Hotline) hotline += c.Counts; else mailbox += c.Counts;
        }
        var stored = StoredMembers().Select(m => m.Key).ToHashSet();
        if (!stored.SetEquals(_orders.Where(o => o.Value.Contribution is not null).Select(o => o.Key)))
            differences.Add($"{key}: stored membership ({stored.Count}) differs from the orders counted in memory");
        if (hotline != _hotline) differences.Add($"{key}: hotline counters {_hotline}, recomputed from tickets {hotline}");
        if (mailbox != _mailbox) differences.Add($"{key}: mailbox counters {_mailbox}, recomputed from tickets {mailbox}");
        return differences;
    }

    public Task<LedgerAudit> Audit() => Task.FromResult(new LedgerAudit(
        _orders.Where(o => o.Value.Contribution is not null).ToDictionary(o => o.Key, o => o.Value.Contribution!, StringComparer.Ordinal),
        _hotline, _mailbox));

    /// <summary>Reads the member pages. Members stored elsewhere move to their own page: those in a page not their own
    /// (stored when there were fewer pages) and those stored the old way (in the header). Their page is stored first,
    /// then the row they leave, so a crash in between loses no member (it moves again next time).</summary>
    private async Task ReadPages()
    {
        var grainId = this.GetGrainId();
        for (var p = 0; p < MemberPages; p++) _pages[p] = new GrainState<LedgerMemberPage>(new LedgerMemberPage());
        await Task.WhenAll(Enumerable.Range(0, MemberPages).Select(p => _storage.ReadStateAsync(PageName(p), grainId, _pages[p])));
        foreach (var p in _pages) p.State ??= new LedgerMemberPage();
        // Strays: members in a page not their own (From: that page) or in the header (From: null).
        var strays = Enumerable.Range(0, MemberPages)
            .SelectMany(p => Page(p).Where(m => PageOf(m.Key) != p).Select(m => (From: (int?)p, Id: m.Key, Warned: m.Value)))
            .Concat(_ledger.State.Members.Select(m => (From: (int?)null, Id: m.Key, Warned: m.Value)))
            .ToList();
        if (strays.Count == 0) return;
        foreach (var (_, id, warned) in strays) if (!TryGetMember(id, out _)) SetMember(id, warned);
        await _commit.CommitAsync();
        foreach (var (from, id, _) in strays)
        {
            if (from is not { } page) continue;
            Page(page).Remove(id);
            _dirtyPages.Add(page);
        }
        if (_ledger.State.Members.Count > 0)
        {
            _ledger.State.Members.Clear();
            _header.Made();
        }
        await _commit.CommitAsync();
    }

    /// <summary>Reads every member's contribution from its ticket; members that count elsewhere now are dropped.</summary>
    private async Task Rebuild()
    {
        var members = StoredMembers().ToList();
        var key = this.GetPrimaryKeyString();
        foreach (var chunk in members.Chunk(256))
        {
            var reports = await Task.WhenAll(chunk.Select(m => GrainFactory.GetGrain<ITicketGrain>(m.Key).GetReport()));
            for (var i = 0; i < chunk.Length; i++)
            {
                var c = reports[i].Contribution;
                if (c is null || UnitKeys.Month(c.UnitId, c.Month) != key) { RemoveMember(chunk[i].Key); continue; }
                var entry = new LedgerEntry(reports[i].Version, c, chunk[i].Value);
                _orders[chunk[i].Key] = entry;
                Add(chunk[i].Key, entry, +1);
                Schedule(chunk[i].Key, entry);
            }
        }
        await Stored();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task Report(string ticketId, int version, OrderContribution? c)
    {
        var warned = 0;
        if (_orders.TryGetValue(ticketId, out var old))
        {
            // A redelivery or an overtaken report: answered once what it changed is stored (a failed write is retried).
            if (old.Version >= version) return Stored();
            Add(ticketId, old, -1);
            Unschedule(ticketId, old);
            // Warnings stand while the deadline does; a new deadline (extension) starts them afresh.
            if (old.Contribution is { } oc && c is not null && oc.Deadline == c.Deadline && oc.DispatchedAt == c.DispatchedAt) warned = old.Warned;
        }
        // A removal stays in memory without a contribution, so a late, older report cannot bring the order back.
        var entry = new LedgerEntry(version, c, warned);
        _orders[ticketId] = entry;
        Add(ticketId, entry, +1);
        Schedule(ticketId, entry);
        _dirty = true;
        var newDay = RecordDay(_clock.GetUtcNow());
        // An order leaving with a return request pending was returned (approved): the returns list keeps it.
        var returned = _ledger.State.ReturnedAway;
        var returnsChanged = c is null && old?.Contribution is { ReturnRequests: > 0 } gone
            ? returned.TryAdd(ticketId, gone)
            : c is not null && returned.Remove(ticketId);

        // Only membership, warnings and returns are stored here: a reply or a follow-up changes nothing durable, except
        // the first change of a new day, which stores the day before's closing counts.
        var isMember = TryGetMember(ticketId, out var storedWarned);
        if (c is null && isMember) RemoveMember(ticketId);
        else if (c is not null && (!isMember || storedWarned != warned)) SetMember(ticketId, warned);
        if (newDay || returnsChanged) { _header.Made(); _dailyUnsaved = false; }
        else _dailyUnsaved = true;
        return Stored();
    }

    private bool _dailyUnsaved;

    /// <summary>Sets today's closing counts; true when today is a new day after an earlier one (to be stored now).</summary>
    private bool RecordDay(DateTimeOffset now)
    {
        var daily = _ledger.State.Daily;
        var today = new DayCounts(CityTime.Date(now), _hotline, _mailbox);
        if (daily.Count > 0 && daily[^1].Date == today.Date) { daily[^1] = today; return false; }
        if (daily.Count > 0 && daily[^1].Date > today.Date) return false; // a clock behind the last day: nothing to say
        daily.Add(today);
        return daily.Count > 1;
    }

    public Task<UnitTrend> GetTrend()
    {
        // Today as of now: the stored figure may predate changes not yet written (or a rebuild after reactivation).
        var days = _ledger.State.Daily.ToList();
        var today = new DayCounts(CityTime.Date(_clock.GetUtcNow()), _hotline, _mailbox);
        if (days.Count > 0 && days[^1].Date == today.Date) days[^1] = today;
        else if ((days.Count == 0 || days[^1].Date < today.Date) && !(_hotline.IsEmpty && _mailbox.IsEmpty)) days.Add(today);
        return Task.FromResult(UnitTrend.Of(_unitId, _month, days, _bounds));
    }

    public Task<UnitMonthSummary> GetSummary() => Task.FromResult(Summarise(_clock.GetUtcNow()));

    public Task<IReadOnlyList<AtRiskOrder>> GetAtRisk(int max) => Task.FromResult(AtRisk(max));

    private IReadOnlyList<AtRiskOrder> AtRisk(int max) => _openByDeadline.Take(max).Select(o =>
    {
        var e = _orders[o.TicketId];
        var c = e.Contribution!;
        return new AtRiskOrder(o.TicketId, c.Channel, c.DispatchedAt, c.Deadline, e.Warned == 0 ? null : (WarningKind)e.Warned, c.Supervised, c.ReturnRequests);
    }).ToList();

    public Task<Scorecard> GetScorecard(UnitProfile unit) =>
        Task.FromResult(Scorecard.Build(unit, Summarise(_clock.GetUtcNow()), AtRisk(50), _bounds, _clock.GetUtcNow(), Members(), ReturnedAway()));

    /// <summary>The orders on the returns or rework lists, as <see cref="Scorecard.Build"/> takes them.</summary>
    private List<(string, OrderContribution)> Noted() => _noted.Select(id => (id, _orders[id].Contribution!)).ToList();

    /// <summary>An earlier scorecard's rankings without the orders closed since.</summary>
    private ScorecardReuse StillOpen(ScorecardReuse r)
    {
        bool Open(OrderImpact o) => _orders.TryGetValue(o.TicketId, out var e) && e.IsOpen;
        return r with { HotlineByImpact = [.. r.HotlineByImpact.Where(Open)], MailboxByImpact = [.. r.MailboxByImpact.Where(Open)] };
    }

    private List<(string, OrderContribution)> ReturnedAway() => _ledger.State.ReturnedAway.Select(r => (r.Key, r.Value)).ToList();

    /// <summary>The orders counting here, as the forecast takes them (<see cref="UnitForecasts"/>).</summary>
    private List<(string, OrderContribution)> Members() => _orders.Where(o => o.Value.Contribution is not null)
        .Select(o => (o.Key, o.Value.Contribution!)).ToList();

    private int _ticks;
    /// <summary>Deadlines are looked at every tick; the summary and scorecard once a second, every TicksPerSecond-th tick.</summary>
    private const int TicksPerSecond = 4;
    private static readonly TimeSpan TickEvery = TimeSpan.FromSeconds(1) / TicksPerSecond;
    private static readonly TimeSpan ForecastEvery = TimeSpan.FromSeconds(5);
    /// <summary>The forecasts and rankings of the last full build, shown again until the next.</summary>
    private ScorecardReuse? _reuse;
    /// <summary>When the next full build is due: the first at once, then on this ledger's beat (<see cref="_fullBuildOffset"/>).</summary>
    private DateTimeOffset _fullBuildDue = DateTimeOffset.MinValue;
    /// <summary>Where in every <see cref="ForecastEvery"/> of the machine's clock this ledger's full builds fall, from its key.</summary>
    private TimeSpan _fullBuildOffset;
    private bool _forecastStale;

    private async Task Tick(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        await SendDueWarnings(now);
        if (++_ticks % TicksPerSecond != 0) return;
        await KeepReminder();
        var summary = Summarise(now);
        var machineNow = _machine.GetUtcNow();
        var forecastDue = machineNow >= _fullBuildDue;
        if (!_dirty && summary == _lastSummary && !(_forecastStale && forecastDue))
        {
            // Nothing to watch or say: let an idle ledger go (a report or the reminder brings it back).
            if (_schedule.Count == 0 && summary.Open == 0)
            {
                if (_dailyUnsaved) { _dailyUnsaved = false; _header.Made(); await _commit.CommitAsync(); } // the day's last figures
                this.DeactivateOnIdle();
            }
            return;
        }
        _dirty = false;
        _lastSummary = summary;
        // The live scorecard is built only here, on a change (at most once a second), and its hotline forecast grade
        // travels with the summary: the league table shows it without simulating ~70 units. What walks every order, the
        // forecast (a Monte Carlo over the open orders) and the ranking of open orders by impact, is rebuilt at most
        // every ForecastEvery: profiled, 70 busy ledgers simulating every second took most of the server's CPU during
        // sustained ingest, and ranking and copying every order each second about 7 % more (bench/FINDINGS.md item 30).
        // Between rebuilds the counters, score, what-if, at-risk, returns and rework lists are fresh, the forecast is
        // the last one and the ranking the last one less the orders closed since; a ledger that goes quiet catches up
        // within ForecastEvery. Full builds fall on the ledger's own beat of the machine's clock (its key's phase): traced
        // at 5,000 events/s, the month's ledgers, woken together, built their forecasts in the same quarter-second every
        // 5 s, up to a third of the machine's CPU in that quarter-second (bench/FINDINGS.md item 38).
        // The scorecard is built on the thread pool from a copy of the ledger: profiled, built on the grain's turn it
        // held up the reports of every ticket dispatched to the unit meanwhile, and a request waits for its slowest ticket.
        var unit = await GrainFactory.GetGrain<IUnitGrain>(_unitId).GetProfile();
        Scorecard? card = null;
        var earlier = forecastDue ? null : _reuse; // null: a full build
        if (unit is not null)
        {
            var (atRisk, members, returned, reuse) = (AtRisk(20), earlier is null ? Members() : Noted(), ReturnedAway(), earlier is null ? null : StillOpen(earlier));
            card = await Task.Run(() => Scorecard.Build(unit, summary, atRisk, _bounds, now, members, returned, reuse));
        }
        if (card is not null && earlier is null)
        {
            _reuse = new ScorecardReuse(card.Hotline.Forecast, card.Mailbox.Forecast, card.HotlineByImpact ?? [], card.MailboxByImpact ?? []);
            _fullBuildDue = machineNow + Cadence.UntilNext(machineNow, ForecastEvery, _fullBuildOffset);
        }
        _forecastStale = card is not null && earlier is not null;
        try { await GrainFactory.GetGrain<ICityMetricsGrain>(0).ReportUnitMonth(summary with { HotlineForecast = card?.Hotline.Forecast?.ExpectedGrade }); }
        catch
        {
            _dirty = true; // not stored by the city: sent again next second
            throw;
        }
        if (card is not null) this.Publish(WallMessage.Of(WallTopics.Unit(_unitId), WallTopics.Methods.UnitMetrics, card));
    }

    /// <summary>Sends every warning that has fallen due, in order, each once: recorded durably before it goes out.</summary>
    private async Task SendDueWarnings(DateTimeOffset now)
    {
        var due = new List<OverdueWarning>();
        while (_schedule.Count > 0 && _schedule.Min.Next <= now)
        {
            var (_, ticketId) = _schedule.Min;
            _schedule.Remove(_schedule.Min);
            var e = _orders[ticketId];
            var c = e.Contribution!;
            var warned = e.Warned;
            foreach (var kind in DeadlineWarnings.DueAt(now, e.Warned, c.DispatchedAt, c.Deadline))
            {
                var late = DeadlineWarnings.TimeOf(kind, c.DispatchedAt, c.Deadline) < _activatedAt;
                due.Add(new OverdueWarning(kind, ticketId, _unitId, _unitName, c.Deadline, now, late));
                warned = (int)kind;
            }
            var next = e with { Warned = warned };
            _orders[ticketId] = next;
            SetMember(ticketId, warned);
            Schedule(ticketId, next);
        }
        if (due.Count == 0) return;
        _dirty = true;
        await _commit.CommitAsync();
        foreach (var w in due)
        {
            this.Publish(WallMessage.Of(WallTopics.Wall, WallTopics.Methods.OverdueWarning, w));
            this.Publish(WallMessage.Of(WallTopics.Unit(_unitId), WallTopics.Methods.OverdueWarning, w));
        }
    }

    /// <summary>A ledger with open orders keeps a reminder so it is reactivated after a restart; without, it drops it.</summary>
    private async Task KeepReminder()
    {
        var anyOpen = _schedule.Count > 0 || _orders.Values.Any(e => e.IsOpen);
        try
        {
            if (anyOpen && !_reminderOn)
            {
                await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
                _reminderOn = true;
            }
            else if (!anyOpen && _reminderOn && await this.GetReminder(ReminderName) is { } r)
            {
                await this.UnregisterReminder(r);
                _reminderOn = false;
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Ledger {Key}: reminder not updated; will retry", this.GetPrimaryKeyString());
        }
    }

    private UnitMonthSummary Summarise(DateTimeOffset now)
    {
        var n = _counts.At(now, _orders.Values.Select(e => e.Contribution).OfType<OrderContribution>());
        return new UnitMonthSummary(_unitId, _month, _hotline, _mailbox, n.Open, n.DueToday, n.Overdue, n.Supervised, n.MissedDeadline, n.OpenHotline);
    }

    private void Schedule(string ticketId, LedgerEntry e)
    {
        if (e.Contribution is { Open: true } c && DeadlineWarnings.NextTime(e.Warned, c.DispatchedAt, c.Deadline) is { } next)
            _schedule.Add((next, ticketId));
    }

    private void Unschedule(string ticketId, LedgerEntry e)
    {
        if (e.Contribution is { Open: true } c && DeadlineWarnings.NextTime(e.Warned, c.DispatchedAt, c.Deadline) is { } next)
            _schedule.Remove((next, ticketId));
    }

    private void Add(string ticketId, LedgerEntry e, int sign)
    {
        if (e.Contribution is not { } c) return;
        var delta = sign > 0 ? c.Counts : default(AssessmentCounts) - c.Counts;
        if (c.Channel == AssessmentChannel.Hotline) _hotline += delta; else _mailbox += delta;
        _counts.Change(c, sign);
        if (Scorecard.OnReturns(c) || Scorecard.OnRework(c))
        {
            if (sign > 0) _noted.Add(ticketId); else _noted.Remove(ticketId);
        }
        if (!c.Open) return;
        if (sign > 0) _openByDeadline.Add((c.Deadline, ticketId)); else _openByDeadline.Remove((c.Deadline, ticketId));
    }

    private sealed class ByDeadline : IComparer<(DateTimeOffset Deadline, string TicketId)>
    {
        public static readonly ByDeadline Instance = new();
        public int Compare((DateTimeOffset Deadline, string TicketId) x, (DateTimeOffset Deadline, string TicketId) y)
        {
            var c = x.Deadline.CompareTo(y.Deadline);
            return c != 0 ? c : string.CompareOrdinal(x.TicketId, y.TicketId);
        }
    }
}
