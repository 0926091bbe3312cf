using System.Diagnostics;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Hotline.Ops.Replay;

namespace Hotline.Ops.Bench;

/// <summary>
/// The surge detector's cost (issue 6). Stopwatch loops after a warm-up, best of several rounds.
/// 1. Per event at the silo: ActivityBuffer.Record with detection off (hour buckets only) and on (plus minute counts
///    by category, district, tag and a dozen keyword substring checks on the text), over the February replay's events.
/// 2. At the city: SurgeDetector.Advance per evaluated event minute over the first week of February (the ice storm),
///    amortised per received request.
/// </summary>
public static class SurgeCost
{
    public static string Measure(bool smoke)
    {
        var month = MonthGenerator.Generate(smoke ? ReplayTargets.FromRows(ReplayTargets.DefaultMonth, BulletinCsv.February2024.Take(3).ToList()) : ReplayTargets.February2024);
        var rules = TransitionRules.Default(id => SeedUnits.All.Any(u => u.Id == id));
        var states = new Dictionary<string, TicketState>();
        var applied = new List<(TicketEventType Type, DateTimeOffset At, TicketState State)>(month.Events.Count);
        foreach (var e in month.Events)
        {
            var t = WorkOrderMachine.Apply(states.GetValueOrDefault(e.TicketId!), e, rules);
            if (!t.Accepted) continue;
            states[e.TicketId!] = t.State!;
            applied.Add((t.State!.History[^1].Type, e.At!.Value, t.State));
        }
        var received = applied.Count(a => a.Type == TicketEventType.Received);

        double RecordNsPerEvent(bool detect)
        {
            var best = double.MaxValue;
            for (var round = 0; round < (smoke ? 3 : 7); round++)
            {
                var buffer = new ActivityBuffer { DetectSurges = detect };
                var sw = Stopwatch.StartNew();
                foreach (var (type, at, s) in applied) buffer.Record(type, at, s);
                sw.Stop();
                if (round > 1) best = Math.Min(best, sw.Elapsed.TotalNanoseconds / applied.Count);
            }
            return best;
        }
        var off = RecordNsPerEvent(false);
        var on = RecordNsPerEvent(true);

        // The detector at the city: the first week, fed minute by minute as the silos would merge it.
        var week = month.Events.Where(e => e.Type == "received" && e.At >= month.MonthStart && e.At < month.MonthStart.AddDays(7)).ToList();
        var detector = new SurgeDetector();
        var minutes = 0L;
        var alerts = 0;
        var advance = new Stopwatch();
        var scratch = new List<string>();
        foreach (var g in week.GroupBy(e => MinuteBuckets.MinuteOf(e.At!.Value)))
        {
            var b = new MinuteBuckets();
            foreach (var e in g) b.RecordReceived(e.At!.Value, e.Category, e.District, e.Tags ?? [], e.Text, scratch);
            detector.Add(b);
            var before = detector.Evaluated == 0 ? g.Key - 1 : detector.Evaluated;
            advance.Start();
            alerts += detector.Advance(MinuteBuckets.StartOf(g.Key + 1)).Count(a => a.Phase == SurgePhase.Start);
            advance.Stop();
            minutes += detector.Evaluated - before;
        }
        var perMinuteUs = advance.Elapsed.TotalMicroseconds / minutes;

        var report = $"""
## Surge detector cost

### Per event at the silo (ActivityBuffer.Record, February 2024 replay: {applied.Count:N0} events, {received:N0} received)

| detection | ns / event | events / s (one core, buffer only) |
| --- | ---: | ---: |
| off (hour buckets only) | {off:F0} | {1e9 / off:N0} |
| on (+ minute keys, keyword substrings) | {on:F0} | {1e9 / on:N0} |

Extra cost of detection: {on - off:F0} ns per event (all types; only `received` does the keyword scan).

### At the city (SurgeDetector.Advance, first week of February: {week.Count:N0} requests, {minutes:N0} event minutes, {alerts} surge starts)

{perMinuteUs:F0} µs per evaluated event minute (every key's 15- and 60-minute windows), i.e. {advance.Elapsed.TotalNanoseconds / week.Count:F0} ns per request
amortised; it runs in one grain once per event minute, whatever the event rate.
""";
        return report;
    }
}
