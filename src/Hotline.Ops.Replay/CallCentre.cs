using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>A call to simulate: a request's call (always answered: the request exists) or a call that may be abandoned.</summary>
internal sealed record CallToPlace(string CallId, DateTimeOffset OfferedAt, string Queue, bool IsRequest, bool Storm);

/// <summary>
/// The call centre behind the requests (--calls): a shift roster planned from ordinary demand with Erlang C, and a
/// first-come-first-served simulation of each queue. A request's call is always answered (the request exists); extra
/// calls (about 6 % more, hang-ups, wrong numbers, silent calls) give up after their patience. A call waiting over 90
/// seconds may be taken by an idle agent of another queue (overflow), as ACDs do. Events per call: offered, answered,
/// ended (with its wrap-up) or offered, abandoned; per agent and shift: logged on, break, back, logged off.
/// During the ice storm the roster, planned for ordinary days, falls short and the queues build up.
/// </summary>
internal sealed class CallCentre(Random rnd, DateTimeOffset monthStart, DateTimeOffset monthEnd)
{
    /// <summary>Planned handle time (talk + wrap-up) of the roster, what calls take on average.</summary>
    public const double PlanningHandleSeconds = 240;
    public const double ExtraCallShare = 0.06;
    private static readonly TimeSpan Overflow = TimeSpan.FromSeconds(90);
    private static readonly int[] ShiftStarts = [0, 8, 16];
    private static readonly string[] ShiftNames = ["c", "a", "b"];
    private static readonly Dictionary<string, string> Prefix = new()
    {
        [CityQueues.General] = "gen", [CityQueues.Utilities] = "utl", [CityQueues.Transport] = "trn", [CityQueues.SpecialLines] = "spl",
    };

    private sealed class Slot
    {
        public required string AgentId, Queue;
        public required DateTimeOffset Start, End, BreakStart, BreakEnd;
        public DateTimeOffset Free;
        public DateTimeOffset LastBusyUntil;
        public DateTimeOffset? BreakOverrunUntil;
    }

    private readonly List<(long Ticks, int Order, int Seq, TicketEvent E)> _events = [];
    private int _seq;

    public static string QueueFor(RequestChannel channel, StormKind storm, string category) =>
        channel is RequestChannel.EnterpriseLine or RequestChannel.DeputyLine ? CityQueues.SpecialLines
        : storm is StormKind.Power or StormKind.Water or StormKind.Gas or StormKind.Network ? CityQueues.Utilities
        : storm is StormKind.Bus or StormKind.Highway ? CityQueues.Transport
        : storm == StormKind.Branches ? CityQueues.General
        : category == Categories.PublicServices ? CityQueues.Utilities
        : category == Categories.Transport ? CityQueues.Transport
        : CityQueues.General;

    /// <summary>The calls' and agents' events in event-time order (causal order within a second).</summary>
    public List<TicketEvent> Simulate(IReadOnlyList<CallToPlace> requests)
    {
        var calls = new List<CallToPlace>(requests);
        var extraSeq = new Dictionary<DateOnly, int>();
        foreach (var r in requests)
        {
            if (rnd.NextDouble() >= ExtraCallShare) continue;
            var at = r.OfferedAt.AddSeconds(rnd.Next(1, 600));
            if (at > monthEnd) continue;
            var date = CityTime.Date(at);
            var n = extraSeq[date] = extraSeq.GetValueOrDefault(date) + 1;
            calls.Add(new CallToPlace($"call-{date:yyyyMMdd}-{n:D5}", at, r.Queue, false, r.Storm));
        }
        calls.Sort((a, b) => a.OfferedAt != b.OfferedAt ? a.OfferedAt.CompareTo(b.OfferedAt) : string.CompareOrdinal(a.CallId, b.CallId));
        var slots = Roster(calls.Where(c => !c.Storm).ToList());

        // Slots by start time, so each call looks only at shifts that can still take it.
        var active = new List<Slot>();
        var pending = new Queue<Slot>(slots.OrderBy(s => s.Start));
        foreach (var c in calls)
        {
            while (pending.Count > 0 && pending.Peek().Start <= c.OfferedAt + TimeSpan.FromHours(2)) active.Add(pending.Dequeue());
            active.RemoveAll(s => s.End <= c.OfferedAt - TimeSpan.FromHours(2));
            Slot? best = null;
            var bestStart = DateTimeOffset.MaxValue;
            foreach (var s in active)
            {
                var ready = s.Queue == c.Queue ? c.OfferedAt : c.OfferedAt + Overflow;
                var start = Max(Max(ready, s.Start), s.Free);
                if (start >= s.BreakStart && start < s.BreakEnd) start = s.BreakEnd;
                if (start >= s.End) continue;
                if (start < bestStart || (start == bestStart && s.Queue == c.Queue && best!.Queue != c.Queue)) { best = s; bestStart = start; }
            }
            var patience = c.IsRequest ? TimeSpan.MaxValue : TimeSpan.FromSeconds(5 + (int)(-Math.Log(1 - rnd.NextDouble()) * 85));
            var talk = TimeSpan.FromSeconds(c.IsRequest ? 60 + (int)(-Math.Log(1 - rnd.NextDouble()) * 150) : rnd.Next(20, 91));
            var wrap = c.IsRequest ? rnd.Next(15, 46) : rnd.Next(0, 11);
            Add(c.OfferedAt, 1, new TicketEvent { Id = c.CallId + "-offered", Type = "callOffered", At = c.OfferedAt, Queue = c.Queue, CallId = c.CallId });
            if (best is null || (bestStart - c.OfferedAt) > patience || bestStart + talk > monthEnd.AddHours(6))
            {
                // Nobody could take it (or the caller gave up first).
                var gaveUp = c.OfferedAt + (patience == TimeSpan.MaxValue ? TimeSpan.FromMinutes(10) : patience);
                Add(gaveUp, 3, new TicketEvent { Id = c.CallId + "-abandoned", Type = "callAbandoned", At = gaveUp, Queue = c.Queue, CallId = c.CallId });
                continue;
            }
            var end = bestStart + talk;
            Add(bestStart, 3, new TicketEvent { Id = c.CallId + "-answered", Type = "callAnswered", At = bestStart, Queue = c.Queue, CallId = c.CallId, Agent = best.AgentId });
            Add(end, 2, new TicketEvent { Id = c.CallId + "-ended", Type = "callEnded", At = end, Queue = c.Queue, CallId = c.CallId, Agent = best.AgentId, WrapUpSeconds = wrap });
            best.Free = end.AddSeconds(wrap);
            best.LastBusyUntil = Max(best.LastBusyUntil, best.Free);
            if (bestStart < best.BreakStart && best.Free > best.BreakStart) best.BreakOverrunUntil = best.Free;
        }
        foreach (var s in slots) ShiftEvents(s);
        _events.Sort((a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Order != b.Order ? a.Order.CompareTo(b.Order) : a.Seq.CompareTo(b.Seq));
        return _events.Select(e => e.E).ToList();
    }

    /// <summary>
    /// Three 8-hour shifts a day (00–08, 08–16, 16–24) per queue, each sized by Erlang C for the busiest hour of ordinary
    /// demand in it (80 % within 15 s at the planned handle time) plus one for shrinkage; one 20-minute break per agent,
    /// staggered through the shift's middle hours.
    /// </summary>
    private List<Slot> Roster(List<CallToPlace> ordinary)
    {
        var perHour = ordinary.GroupBy(c => (c.Queue, Hour: (long)Math.Floor((c.OfferedAt - monthStart).TotalHours))).ToDictionary(g => g.Key, g => g.Count());
        var slots = new List<Slot>();
        var days = (int)Math.Ceiling((monthEnd - monthStart).TotalDays);
        foreach (var queue in CityQueues.Default.Select(q => q.Id))
            for (var d = 0; d < days; d++)
                for (var s = 0; s < ShiftStarts.Length; s++)
                {
                    var first = d * 24L + ShiftStarts[s];
                    var peak = Enumerable.Range(0, 8).Max(h => perHour.GetValueOrDefault((queue, first + h)));
                    var needed = ErlangC.AgentsNeeded(peak * PlanningHandleSeconds / 3600, PlanningHandleSeconds, 15, 0.8, minimum: 1);
                    var agents = queue == CityQueues.SpecialLines ? needed : needed + 1;
                    var start = monthStart.AddHours(first);
                    for (var i = 0; i < agents; i++)
                    {
                        var breakStart = start.AddHours(3).AddMinutes(i * 20 % 120);
                        slots.Add(new Slot
                        {
                            AgentId = $"{Prefix[queue]}-{ShiftNames[s]}-{i + 1:D2}", Queue = queue, Start = start, End = start.AddHours(8),
                            BreakStart = breakStart, BreakEnd = breakStart.AddMinutes(20), Free = start, LastBusyUntil = start,
                        });
                    }
                }
        return slots;
    }

    private void ShiftEvents(Slot s)
    {
        var key = $"{s.AgentId}-{CityTime.Date(s.Start):yyyyMMdd}";
        TicketEvent State(string suffix, DateTimeOffset at, string state) =>
            new() { Id = $"{key}-{suffix}", Type = "agentState", At = at, Queue = s.Queue, Agent = s.AgentId, State = state };
        Add(s.Start, 0, State("on", s.Start, "available"));
        var breakAt = Max(s.BreakStart, s.BreakOverrunUntil ?? s.BreakStart);
        if (breakAt < s.BreakEnd)
        {
            Add(breakAt, 4, State("break", breakAt, "break"));
            Add(s.BreakEnd, 0, State("back", s.BreakEnd, "available"));
        }
        var off = Max(s.End, s.LastBusyUntil);
        Add(off, 5, State("off", off, "offline"));
    }

    private void Add(DateTimeOffset at, int order, TicketEvent e) => _events.Add((at.UtcTicks, order, ++_seq, e));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
