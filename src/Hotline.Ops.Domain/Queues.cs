namespace Hotline.Ops.Domain;

/// <summary>
/// Erlang C (M/M/N with an unlimited queue), computed through the Erlang B recursion
/// B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), so that no power or factorial ever overflows (N in the hundreds is fine).
/// C(N, A) = N·B / (N − A·(1 − B)); SL(t) = 1 − C·e^(−(N−A)·t/AHT); ASA = C·AHT / (N − A).
/// </summary>
public static class ErlangC
{
    /// <summary>Blocking probability of Erlang B for <paramref name="agents"/> servers and offered load A (Erlangs).</summary>
    public static double ErlangB(int agents, double load)
    {
        if (agents < 0) throw new ArgumentOutOfRangeException(nameof(agents));
        if (load <= 0) return agents == 0 ? 1 : 0;
        var b = 1.0;
        for (var k = 1; k <= agents; k++) b = load * b / (k + load * b);
        return b;
    }

    /// <summary>Probability that a call waits at all; 1 when the agents cannot keep up (N ≤ A).</summary>
    public static double WaitProbability(int agents, double load)
    {
        if (load <= 0) return 0;
        if (agents <= load) return 1;
        var b = ErlangB(agents, load);
        return agents * b / (agents - load * (1 - b));
    }

    /// <summary>Share of calls answered within <paramref name="withinSeconds"/>; 0 when N ≤ A (the queue grows without bound).</summary>
    public static double ServiceLevel(int agents, double load, double handleSeconds, double withinSeconds)
    {
        if (load <= 0) return 1;
        if (agents <= load) return 0;
        return 1 - WaitProbability(agents, load) * Math.Exp(-(agents - load) * withinSeconds / handleSeconds);
    }

    /// <summary>Average speed of answer in seconds; +∞ when N ≤ A.</summary>
    public static double AverageSpeedOfAnswer(int agents, double load, double handleSeconds)
    {
        if (load <= 0) return 0;
        if (agents <= load) return double.PositiveInfinity;
        return WaitProbability(agents, load) * handleSeconds / (agents - load);
    }

    /// <summary>The fewest agents whose service level reaches <paramref name="goal"/> (at least <paramref name="minimum"/>).</summary>
    public static int AgentsNeeded(double load, double handleSeconds, double withinSeconds, double goal, int minimum = 0)
    {
        var n = Math.Max(minimum, load <= 0 ? 0 : (int)Math.Floor(load) + 1);
        while (ServiceLevel(n, load, handleSeconds, withinSeconds) < goal) n++;
        return n;
    }
}

/// <summary>
/// The centre's targets (configuration <c>Hotline:Queues:Targets</c>). GB/T 33358-2016: calls answered within 15 s,
/// at least 95 % of calls connected over any 24 hours; 80 % answered within 15 s is the staffing goal.
/// </summary>
public sealed record QueueTargets
{
    public double ServiceLevel { get; init; } = 0.80;
    public double AnswerWithinSeconds { get; init; } = 15;
    public double ConnectionRate { get; init; } = 0.95;
    /// <summary>The current arrival rate is the calls offered over this many minutes before now.</summary>
    public int ArrivalWindowMinutes { get; init; } = 15;
    /// <summary>Handle time (talk + wrap-up) assumed before a queue has ended calls; measured ones pull it their way.</summary>
    public double DefaultHandleSeconds { get; init; } = 240;
    /// <summary>A queue with calls needs at least this many agents, and a move never leaves a donor with fewer.</summary>
    public int MinAgents { get; init; } = 1;

    public static QueueTargets Default { get; } = new();

    public string? Validate() =>
        ServiceLevel is <= 0 or >= 1 ? "Hotline:Queues:Targets:ServiceLevel must be between 0 and 1"
        : AnswerWithinSeconds <= 0 ? "Hotline:Queues:Targets:AnswerWithinSeconds must be positive"
        : ConnectionRate is <= 0 or > 1 ? "Hotline:Queues:Targets:ConnectionRate must be in (0, 1]"
        : ArrivalWindowMinutes is < 1 or > 240 ? "Hotline:Queues:Targets:ArrivalWindowMinutes must be 1..240"
        : DefaultHandleSeconds <= 0 ? "Hotline:Queues:Targets:DefaultHandleSeconds must be positive"
        : MinAgents < 0 ? "Hotline:Queues:Targets:MinAgents must not be negative"
        : null;
}

/// <summary>A call-taker queue (话务队列) of the centre.</summary>
public sealed record QueueDefinition(string Id, string Name, string NameEn);

/// <summary>The centre's queues: configuration <c>Hotline:Queues:Lines</c>, else these defaults.</summary>
public static class CityQueues
{
    public const string General = "general", Utilities = "utilities", Transport = "transport", SpecialLines = "special-lines";

    public static readonly IReadOnlyList<QueueDefinition> Default =
    [
        new(General, "综合受理", "General"),
        new(Utilities, "水电气网停供", "Utilities & outages"),
        new(Transport, "交通出行", "Transport"),
        // 政企通 (enterprise line) and 人大代表专线 (deputies line) are answered by one small team.
        new(SpecialLines, "政企通及专线", "Enterprise & special lines"),
    ];
}

/// <summary>What a call-taker (坐席) is doing.</summary>
public enum AgentState { Available, OnCall, AfterCallWork, Break, Offline }

public enum CallEventType { CallOffered, CallAnswered, CallAbandoned, CallEnded, AgentState }

public static class CallEvents
{
    public static bool TryParseType(string? s, out CallEventType t) => WireNames<CallEventType>.TryParse(s, out t);
    public static bool TryParseState(string? s, out AgentState a) => WireNames<AgentState>.TryParse(s, out a);

    public static bool IsCallEvent(string? type) => TryParseType(type, out _);

    /// <summary>The fields each call or agent event needs; the queue must be one of <paramref name="queues"/>.</summary>
    public static string? Validate(TicketEvent e, IReadOnlyCollection<string> queues)
    {
        if (string.IsNullOrWhiteSpace(e.Id)) return "missing field 'id'";
        if (e.Id.Length > 128) return "'id' is longer than 128 characters";
        if (!TryParseType(e.Type, out var type)) return $"unknown event type '{e.Type}'";
        if (e.At is null) return "missing field 'at'";
        if (string.IsNullOrWhiteSpace(e.Queue)) return "missing field 'queue'";
        if (!queues.Contains(e.Queue)) return $"unknown queue '{e.Queue}': the queues are {string.Join(", ", queues)}";
        if (type != CallEventType.AgentState && !IsKey(e.CallId)) return "missing or invalid field 'callId' (at most 64 characters, no '/')";
        if (type is CallEventType.CallAnswered or CallEventType.CallEnded or CallEventType.AgentState && !IsKey(e.Agent))
            return "missing or invalid field 'agent' (at most 64 characters, no '/')";
        if (type == CallEventType.AgentState && !TryParseState(e.State, out _))
            return $"unknown agent state '{e.State}': use available, onCall, afterCallWork, break or offline";
        if (e.WrapUpSeconds is < 0 or > 3600) return "'wrapUpSeconds' must be 0..3600";
        return null;
    }

    public static bool IsKey(string? s) => !string.IsNullOrWhiteSpace(s) && s.Length <= 64 && !s.Contains('/') && !s.Any(char.IsControl);
}

/// <summary>One minute of a queue's calls (by event time).</summary>
public sealed class CallMinute
{
    public int Offered { get; set; }
    public int Answered { get; set; }
    public int AnsweredInTarget { get; set; }
    public int Abandoned { get; set; }
    public double WaitSeconds { get; set; }
    public int Ended { get; set; }
    public double HandleSeconds { get; set; }

    public void Add(CallMinute o)
    {
        Offered += o.Offered; Answered += o.Answered; AnsweredInTarget += o.AnsweredInTarget; Abandoned += o.Abandoned;
        WaitSeconds += o.WaitSeconds; Ended += o.Ended; HandleSeconds += o.HandleSeconds;
    }
}

/// <summary>
/// A queue's calls in minute buckets over the last 24 hours of event time: the 24-hour figures of GB/T 33358 and
/// the short windows of the staffing advice come from the same buckets. Buckets older than a day are dropped.
/// </summary>
public sealed class CallWindow
{
    public static readonly TimeSpan Span = TimeSpan.FromHours(24);

    /// <summary>Minute (Unix minutes) → counts. Public for storage.</summary>
    public SortedDictionary<long, CallMinute> Minutes { get; set; } = [];

    public static long MinuteOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 60;

    public CallMinute At(DateTimeOffset t)
    {
        var m = MinuteOf(t);
        if (!Minutes.TryGetValue(m, out var b)) Minutes[m] = b = new CallMinute();
        return b;
    }

    /// <summary>Sum of the whole minutes in (now − span, now]; the minute of now counts.</summary>
    public CallMinute Sum(DateTimeOffset now, TimeSpan span)
    {
        var to = MinuteOf(now);
        var from = to - (long)Math.Ceiling(span.TotalMinutes) + 1;
        var s = new CallMinute();
        foreach (var (m, b) in Minutes)
        {
            if (m < from) continue;
            if (m > to) break;
            s.Add(b);
        }
        return s;
    }

    public void Prune(DateTimeOffset now)
    {
        var keepFrom = MinuteOf(now - Span);
        while (Minutes.Count > 0 && Minutes.First().Key < keepFrom) Minutes.Remove(Minutes.First().Key);
    }
}

/// <summary>A queue's load for the advice: arrival rate, handle time, and its on-shift agents in the order they would be moved.</summary>
public sealed record QueueLoad(string QueueId, double ArrivalPerSecond, double HandleSeconds, IReadOnlyList<string> MovableAgents)
{
    public double Erlangs => ArrivalPerSecond * HandleSeconds;
}

/// <summary>A queue's staffing against the target: agents on shift, agents needed, projected service level and ASA.</summary>
public sealed record QueueStaffing(string QueueId, double OfferedErlangs, double HandleSeconds, int AgentsStaffed, int AgentsNeeded,
    double ProjectedServiceLevel, double? ProjectedAsaSeconds, bool Understaffed);

/// <summary>Move these on-shift agents from one queue to another: each queue's projected service level before and after the whole plan.</summary>
public sealed record StaffingMove(string From, string To, IReadOnlyList<string> Agents,
    double FromBefore, double FromAfter, double ToBefore, double ToAfter);

public sealed record StaffingAdvice(IReadOnlyList<QueueStaffing> Queues, IReadOnlyList<StaffingMove> Moves);

/// <summary>
/// Erlang C per queue, and the moves of on-shift agents between queues that best meet every queue's target. Greedy:
/// repeatedly take the single move that most reduces (1) the agents short summed over queues, then (2) the service-level
/// shortfall weighted by arrival rate. A donor never falls below its own target (a queue that is short itself gives
/// nobody, even to a queue that is shorter): taking from it would only move the shortfall. Stops when no move improves.
/// </summary>
public static class StaffingAdvisor
{
    private const double Epsilon = 1e-9;

    public static QueueStaffing Staffing(QueueLoad q, int agents, QueueTargets t)
    {
        var needed = Needed(q, t);
        var sl = ErlangC.ServiceLevel(agents, q.Erlangs, q.HandleSeconds, t.AnswerWithinSeconds);
        var asa = ErlangC.AverageSpeedOfAnswer(agents, q.Erlangs, q.HandleSeconds);
        return new QueueStaffing(q.QueueId, q.Erlangs, q.HandleSeconds, agents, needed, sl, double.IsFinite(asa) ? asa : null, agents < needed);
    }

    /// <summary>Erlang C's agents for the target; a queue with calls has at least the minimum, an idle one needs nobody.</summary>
    public static int Needed(QueueLoad q, QueueTargets t) =>
        ErlangC.AgentsNeeded(q.Erlangs, q.HandleSeconds, t.AnswerWithinSeconds, t.ServiceLevel, q.ArrivalPerSecond > 0 ? t.MinAgents : 0);

    public static StaffingAdvice Advise(IReadOnlyList<QueueLoad> loads, QueueTargets t, int maxMoves = 50)
    {
        var n = loads.Count;
        var staff = loads.Select(q => q.MovableAgents.Count).ToArray();
        var needed = loads.Select(q => Needed(q, t)).ToArray();
        double Sl(int i, int agents) => ErlangC.ServiceLevel(agents, loads[i].Erlangs, loads[i].HandleSeconds, t.AnswerWithinSeconds);
        double Shortfall(int i, int agents) => loads[i].ArrivalPerSecond * Math.Max(0, t.ServiceLevel - Sl(i, agents));
        var taken = loads.Select(_ => 0).ToArray();
        var moved = new List<(int From, int To, string Agent)>();

        for (var step = 0; step < maxMoves; step++)
        {
            (int From, int To, int Short, double Weighted)? best = null;
            for (var to = 0; to < n; to++)
            {
                if (staff[to] >= needed[to]) continue; // only queues short of their target receive
                for (var from = 0; from < n; from++)
                {
                    if (from == to || taken[from] >= loads[from].MovableAgents.Count) continue;
                    if (staff[from] <= t.MinAgents) continue;
                    var dShort = Math.Max(0, needed[from] - (staff[from] - 1)) - Math.Max(0, needed[from] - staff[from])
                        + Math.Max(0, needed[to] - (staff[to] + 1)) - Math.Max(0, needed[to] - staff[to]);
                    var dWeighted = Shortfall(from, staff[from] - 1) - Shortfall(from, staff[from])
                        + Shortfall(to, staff[to] + 1) - Shortfall(to, staff[to]);
                    if (dShort > 0 || (dShort == 0 && dWeighted > -Epsilon)) continue; // no improvement
                    if (staff[from] - 1 < needed[from]) continue; // the donor would fall below its target
                    var candidate = (from, to, dShort, dWeighted);
                    if (best is not { } b || Better(candidate, b)) best = candidate;
                }
            }
            if (best is not { } m) break;
            var agent = loads[m.From].MovableAgents[taken[m.From]++];
            staff[m.From]--;
            staff[m.To]++;
            moved.Add((m.From, m.To, agent));
        }

        var staffing = loads.Select((q, i) => Staffing(q, q.MovableAgents.Count, t)).ToList();
        var moves = moved.GroupBy(x => (x.From, x.To))
            .Select(g => new StaffingMove(loads[g.Key.From].QueueId, loads[g.Key.To].QueueId, g.Select(x => x.Agent).ToList(),
                staffing[g.Key.From].ProjectedServiceLevel, Sl(g.Key.From, staff[g.Key.From]),
                staffing[g.Key.To].ProjectedServiceLevel, Sl(g.Key.To, staff[g.Key.To])))
            .OrderByDescending(mv => loads.First(q => q.QueueId == mv.To).ArrivalPerSecond * (mv.ToAfter - mv.ToBefore))
            .ToList();
        return new StaffingAdvice(staffing, moves);

        static bool Better((int From, int To, int Short, double Weighted) a, (int From, int To, int Short, double Weighted) b) =>
            a.Short != b.Short ? a.Short < b.Short : a.Weighted < b.Weighted - Epsilon;
    }
}

/// <summary>The queues and targets of the centre (configuration <c>Hotline:Queues</c>).</summary>
public sealed record QueueSettings
{
    public QueueTargets Targets { get; init; } = QueueTargets.Default;
    public IReadOnlyList<QueueDefinition> Lines { get; init; } = CityQueues.Default;

    public static QueueSettings Default { get; } = new();

    public IReadOnlyList<string> Ids => Lines.Select(l => l.Id).ToList();
}

/// <summary>An agent as its queue sees it. After-call work with a known length ends on its own at <see cref="WrapUntil"/>.</summary>
public sealed record AgentSnapshot(string Id, string Queue, AgentState State, DateTimeOffset Since, DateTimeOffset? WrapUntil = null, string? CallId = null)
{
    public AgentSnapshot At(DateTimeOffset now) =>
        State == AgentState.AfterCallWork && WrapUntil is { } w && w <= now ? this with { State = AgentState.Available, Since = w, WrapUntil = null } : this;

    /// <summary>Logged on and not on a break: answering, or about to.</summary>
    public bool IsStaffed => State is AgentState.Available or AgentState.OnCall or AgentState.AfterCallWork;
}

/// <summary>A queue grain's raw figures at <see cref="AsOf"/>.</summary>
public sealed record QueueFigures(string QueueId, long Version, DateTimeOffset AsOf, int Waiting, DateTimeOffset? OldestOfferedAt,
    CallMinute Day, CallMinute Recent, CallMinute LastHour, IReadOnlyList<AgentSnapshot> Agents);

/// <summary>One queue on the wall, the console and <c>GET /api/ops/queues</c>.</summary>
public sealed record QueueView(
    string Id, string Name, string NameEn, int Waiting, double? OldestWaitSeconds,
    int Offered24h, int Answered24h, int Abandoned24h, double? ServiceLevelPct, double? ConnectionRatePct, double? AbandonedPct,
    double? AsaSeconds, double? AhtSeconds, double ArrivalPerHour, double HandleSeconds, double OfferedErlangs,
    int AgentsAvailable, int AgentsOnCall, int AgentsAfterCallWork, int AgentsOnBreak, int AgentsOffline,
    int AgentsStaffed, int AgentsNeeded, double ProjectedServiceLevelPct, double? ProjectedAsaSeconds, bool Understaffed, bool ConnectionBelowTarget);

public sealed record AgentView(string Id, string Queue, AgentState State, DateTimeOffset Since, string? CallId);

public sealed record MoveView(string From, string To, IReadOnlyList<string> Agents, double FromBeforePct, double FromAfterPct, double ToBeforePct, double ToAfterPct);

public sealed record TargetsView(double ServiceLevelPct, double AnswerWithinSeconds, double ConnectionRatePct, int ArrivalWindowMinutes);

/// <summary>The whole picture: every queue, the advice, and (for leads) every agent.</summary>
public sealed record QueueBoardView(DateTimeOffset At, TargetsView Targets, IReadOnlyList<QueueView> Queues, IReadOnlyList<MoveView> Moves, IReadOnlyList<AgentView>? Agents);

public static class QueueBoards
{
    /// <summary>Ended calls of the last hour set the handle time, shrunk towards the default by this many pseudo-calls.</summary>
    public const int HandlePriorCalls = 5;

    public static double HandleSeconds(CallMinute lastHour, QueueTargets t) =>
        (lastHour.HandleSeconds + HandlePriorCalls * t.DefaultHandleSeconds) / (lastHour.Ended + HandlePriorCalls);

    /// <summary>Agents in the order a move takes them: free ones first, then wrapping up, then on a call.</summary>
    private static int MoveOrder(AgentState s) => s switch { AgentState.Available => 0, AgentState.AfterCallWork => 1, _ => 2 };

    public static QueueBoardView Build(IReadOnlyList<QueueFigures> figures, QueueSettings settings, DateTimeOffset now, bool withAgents)
    {
        var t = settings.Targets;
        var loads = new List<QueueLoad>();
        var agentsNow = figures.Select(f => f.Agents.Select(a => a.At(now)).ToList()).ToList();
        for (var i = 0; i < figures.Count; i++)
        {
            var f = figures[i];
            var rate = f.Recent.Offered / (t.ArrivalWindowMinutes * 60.0);
            var movable = agentsNow[i].Where(a => a.IsStaffed).OrderBy(a => MoveOrder(a.State)).ThenBy(a => a.Id, StringComparer.Ordinal).Select(a => a.Id).ToList();
            loads.Add(new QueueLoad(f.QueueId, rate, HandleSeconds(f.LastHour, t), movable));
        }
        var advice = StaffingAdvisor.Advise(loads, t);
        var views = new List<QueueView>();
        for (var i = 0; i < figures.Count; i++)
        {
            var f = figures[i];
            var def = settings.Lines.FirstOrDefault(l => l.Id == f.QueueId) ?? new QueueDefinition(f.QueueId, f.QueueId, f.QueueId);
            var s = advice.Queues[i];
            var d = f.Day;
            var resolved = d.Answered + d.Abandoned;
            int Count(AgentState st) => agentsNow[i].Count(a => a.State == st);
            views.Add(new QueueView(def.Id, def.Name, def.NameEn, f.Waiting, f.OldestOfferedAt is { } o ? Math.Max(0, (now - o).TotalSeconds) : null,
                d.Offered, d.Answered, d.Abandoned,
                resolved > 0 ? 100.0 * d.AnsweredInTarget / resolved : null,
                resolved > 0 ? 100.0 * d.Answered / resolved : null,
                resolved > 0 ? 100.0 * d.Abandoned / resolved : null,
                d.Answered > 0 ? d.WaitSeconds / d.Answered : null,
                d.Ended > 0 ? d.HandleSeconds / d.Ended : null,
                loads[i].ArrivalPerSecond * 3600, s.HandleSeconds, s.OfferedErlangs,
                Count(AgentState.Available), Count(AgentState.OnCall), Count(AgentState.AfterCallWork), Count(AgentState.Break), Count(AgentState.Offline),
                s.AgentsStaffed, s.AgentsNeeded, 100 * s.ProjectedServiceLevel, s.ProjectedAsaSeconds, s.Understaffed,
                resolved > 0 && (double)d.Answered / resolved < t.ConnectionRate));
        }
        var moves = advice.Moves.Select(m => new MoveView(m.From, m.To, m.Agents, 100 * m.FromBefore, 100 * m.FromAfter, 100 * m.ToBefore, 100 * m.ToAfter)).ToList();
        var agents = withAgents
            ? agentsNow.SelectMany(a => a).OrderBy(a => a.Queue, StringComparer.Ordinal).ThenBy(a => a.Id, StringComparer.Ordinal)
                .Select(a => new AgentView(a.Id, a.Queue, a.State, a.Since, a.CallId)).ToList()
            : null;
        return new QueueBoardView(CityTime.ToCity(now), new TargetsView(100 * t.ServiceLevel, t.AnswerWithinSeconds, 100 * t.ConnectionRate, t.ArrivalWindowMinutes), views, moves, agents);
    }
}
