using System.Runtime.InteropServices;

namespace Hotline.Ops.Domain;

/// <summary>
/// The configured keywords a surge is watched for, matched by substring on the request text. Chinese needs no word
/// segmentation here: a keyword is a fixed string (or a few synonyms), so matching is a handful of ordinal
/// IndexOf calls per request, constant cost.
/// </summary>
public static class SurgeKeywords
{
    /// <summary>Label → the substrings that count for it.</summary>
    public static readonly IReadOnlyList<(string Label, string[] Patterns)> All =
    [
        ("停电", ["停电"]), ("停水", ["停水"]), ("停气", ["停气"]), ("断网", ["断网", "无网络信号", "网络信号"]),
        ("树枝", ["树枝"]), ("冰冻", ["冰冻", "结冰", "覆冰"]), ("公交", ["公交"]), ("高速", ["高速"]),
        ("欠薪", ["拖欠工资", "讨薪", "欠薪", "拖欠农民工工资"]), ("电动车", ["电动车"]), ("燃气", ["燃气"]), ("漏水", ["漏水"]),
    ];

    /// <summary>The labels whose patterns occur in <paramref name="text"/>.</summary>
    public static void Match(string? text, List<string> into)
    {
        if (string.IsNullOrEmpty(text)) return;
        foreach (var (label, patterns) in All)
            foreach (var p in patterns)
                if (text.Contains(p, StringComparison.Ordinal)) { into.Add(label); break; }
    }

    public static bool ContainsAny(string? text, IReadOnlyCollection<string> keywords)
    {
        if (string.IsNullOrEmpty(text)) return false;
        foreach (var k in keywords) if (text.Contains(k, StringComparison.Ordinal)) return true;
        return false;
    }
}

/// <summary>
/// Request counts per minute of event time (city time) and key: "category:x", "district:x", "tag:x", "keyword:x".
/// Silos fill one in memory (a few dictionary increments per received request) and hand it over once a second.
/// </summary>
public sealed class MinuteBuckets
{
    /// <summary>Minute index (Unix minutes) → key → count.</summary>
    public Dictionary<long, Dictionary<string, int>> Minutes { get; set; } = [];

    public bool IsEmpty => Minutes.Count == 0;

    public static long MinuteOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 60 - (t.ToUnixTimeSeconds() % 60 < 0 ? 1 : 0);

    public static DateTimeOffset StartOf(long minute) => DateTimeOffset.FromUnixTimeSeconds(minute * 60).ToOffset(CityTime.Offset);

    public void Add(long minute, string key, int n = 1)
    {
        if (!Minutes.TryGetValue(minute, out var m)) Minutes[minute] = m = [];
        var count = m.GetValueOrDefault(key) + n;
        if (count != 0) m[key] = count;
        else if (m.Remove(key) && m.Count == 0) Minutes.Remove(minute);
    }

    /// <summary>Counts one received request: its category, district, tags and the configured keywords in its text.</summary>
    public void RecordReceived(DateTimeOffset at, string? category, string? district, IEnumerable<string> tags, string? text, List<string>? scratch = null)
    {
        var minute = MinuteOf(at);
        Add(minute, "category:" + (category ?? Categories.Other));
        if (!string.IsNullOrEmpty(district)) Add(minute, "district:" + district);
        foreach (var t in tags)
            if (!t.StartsWith("emergency:", StringComparison.Ordinal)) Add(minute, "tag:" + t);
        scratch ??= [];
        scratch.Clear();
        SurgeKeywords.Match(text, scratch);
        foreach (var k in scratch) Add(minute, "keyword:" + k);
    }

    /// <summary>Adds <paramref name="other"/>'s counts; <paramref name="sign"/> −1 takes them back out (a count back at
    /// zero is removed; a minute no longer kept is left alone).</summary>
    public void Merge(MinuteBuckets other, int sign = 1)
    {
        foreach (var (minute, keys) in other.Minutes)
        {
            if (sign < 0 && !Minutes.ContainsKey(minute)) continue;
            foreach (var (k, n) in keys) Add(minute, k, sign * n);
        }
    }
}

public enum SurgePhase { Start, Update, End }

/// <summary>An emergency rule suggested by a large, lasting surge.</summary>
public sealed record EmergencyRule(IReadOnlyList<string> Categories, IReadOnlyList<string> Districts, IReadOnlyList<string> Keywords);

public sealed record EmergencyProposal(string Name, EmergencyRule Rule);

/// <summary>One surge message (wall and lead): what, where, how many, against which baseline, top keywords.</summary>
public sealed record SurgeAlert(
    string Id, SurgePhase Phase, string Dimension, string Key, string Label, int Count, double Baseline, double Score,
    int Window, IReadOnlyList<string> TopKeywords, DateTimeOffset At, DateTimeOffset StartedAt, DateTimeOffset? EndedAt = null,
    EmergencyProposal? Proposal = null);

/// <summary>Detector parameters (see SurgeDetector for their meaning).</summary>
public sealed record SurgeParameters
{
    /// <summary>A surge starts when the 15-minute count is this unlikely under the baseline (exact Poisson upper tail).</summary>
    public double StartP { get; init; } = 1e-6;
    /// <summary>Minimum count in the 15-minute window to start; small because a key with no history has a tiny baseline.</summary>
    public int StartMinCount { get; init; } = 3;
    public double EndZ { get; init; } = 1.5;
    public int EndQuietMinutes { get; init; } = 30;
    /// <summary>Floor of the expected count of a window: keeps a key with (almost) no history from alerting on one or two requests.</summary>
    public double MinExpected { get; init; } = 0.05;
    public int UpdateEveryMinutes { get; init; } = 15;
    /// <summary>EWMA weight of a new same-hour-of-week observation.</summary>
    public double SlotAlpha { get; init; } = 0.3;
    /// <summary>EWMA weight per hour of a key's level against its prior (how far the prior share is off).</summary>
    public double LevelAlpha { get; init; } = 0.05;
    public int ProposalAfterMinutes { get; init; } = 30;
    public double ProposalRatio { get; init; } = 3.0;
    public double RequestsPerDay { get; init; } = OrdinaryDay.DefaultRequestsPerDay;
    public static SurgeParameters Default { get; } = new();
}

/// <summary>A surge in progress (persisted with the detector).</summary>
public sealed class ActiveSurge
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
    public long StartMinute { get; set; }
    public long LastUpdateMinute { get; set; }
    public long QuietSince { get; set; } = -1;
    public int PeakCount15 { get; set; }
    public bool Proposed { get; set; }
}

/// <summary>
/// Surge detection over minute buckets, evaluated once per minute of event time (never per event).
/// For each key and each evaluated minute it compares the counts of the last 15 and 60 minutes with the expected
/// counts for those minutes (the 5-minute window is reported for the wall, it does not decide).
/// Expected count of a key in an hour = a blend of (a) the key's own learned count for that hour of the week (EWMA of
/// past same-hour counts, weight n/(n+2) after n observations) and (b) the city's expected total for that hour of the
/// week (learned the same way; default for a new system: <see cref="OrdinaryDay.HourlyShare"/> × daily volume) times the
/// key's share of requests (learned from all hours with a slow decay, smoothed towards a prior share).
/// Score: continuity-corrected Poisson z = (c − e − 0.5)/√e with e floored at MinExpected.
/// Hysteresis: start when the 15-minute count's exact Poisson tail P(X ≥ c15) ≤ StartP (1e-6: ~50 keys × 96 windows a day
/// keep the false-alarm rate far below one a day) and c15 ≥ StartMinCount; end when z60 stays below EndZ for EndQuietMinutes.
/// A key does not learn while it surges, so a surge does not become its own baseline.
/// </summary>
public sealed class SurgeDetector
{
    public const string TotalKey = "all";
    public SurgeParameters P { get; set; } = SurgeParameters.Default;
    public MinuteBuckets Counts { get; set; } = new();
    /// <summary>The last minute evaluated (Unix minutes); 0 before the first.</summary>
    public long Evaluated { get; set; }
    /// <summary>key → 168 hour-of-week slots (Monday 00h = 0) of learned hourly counts.</summary>
    public Dictionary<string, double[]> Slots { get; set; } = [];
    /// <summary>key → observations per slot.</summary>
    public Dictionary<string, int[]> SlotSeen { get; set; } = [];
    /// <summary>key → decayed count of its requests and of all requests in the hours it learned from.</summary>
    public Dictionary<string, double[]> Shares { get; set; } = [];
    public Dictionary<string, ActiveSurge> Active { get; set; } = [];
    public HashSet<string> KnownKeys { get; set; } = [];
    private static readonly int CountyCount = Math.Max(1, SeedUnits.All.Count(u => u.Kind == UnitKind.County));
    private const double PriorWeight = 200, ShareDecay = 0.998;

    public void Add(MinuteBuckets delta)
    {
        Counts.Merge(delta);
        foreach (var m in delta.Minutes.Values)
            foreach (var k in m.Keys) KnownKeys.Add(k);
    }

    /// <summary>The prior share of the city's requests for a key, for a new system.</summary>
    public static double PriorShare(string key)
    {
        var i = key.IndexOf(':');
        if (i < 0) return 1;
        var (dim, name) = (key[..i], key[(i + 1)..]);
        return dim switch
        {
            "category" => Categories.All.FirstOrDefault(c => c.Id == name)?.Share ?? 0.01,
            "district" => 1.0 / CountyCount,
            "keyword" => 0.005,
            _ => 0.0005,
        };
    }

    private static int HourOfWeek(DateTimeOffset cityTime) => ((int)cityTime.DayOfWeek + 6) % 7 * 24 + cityTime.Hour;

    private static DateTimeOffset CityStart(long minute) => CityTime.ToCity(MinuteBuckets.StartOf(minute));

    public double Share(string key)
    {
        if (key == TotalKey) return 1;
        var s = Shares.GetValueOrDefault(key);
        return s is null ? PriorShare(key) : (s[0] + PriorShare(key) * PriorWeight) / (s[1] + PriorWeight);
    }

    private double SlotValue(string key, int slot, out double weight)
    {
        weight = 0;
        if (!Slots.TryGetValue(key, out var s)) return 0;
        var n = SlotSeen[key][slot];
        weight = n / (n + 2.0);
        return s[slot];
    }

    /// <summary>Expected requests of <paramref name="key"/> in the hour of the week containing <paramref name="cityTime"/>.</summary>
    public double ExpectedPerHour(string key, DateTimeOffset cityTime)
    {
        var slot = HourOfWeek(cityTime);
        var totalDefault = P.RequestsPerDay * OrdinaryDay.HourlyShare[cityTime.Hour];
        var t = SlotValue(TotalKey, slot, out var wt);
        var total = wt * t + (1 - wt) * totalDefault;
        var fromShare = total * Share(key);
        if (key == TotalKey) return total;
        var own = SlotValue(key, slot, out var w);
        return w * own + (1 - w) * fromShare;
    }

    /// <summary>A key's count in the <paramref name="minutes"/> minutes ending with minute <paramref name="end"/>, and the
    /// count expected there.</summary>
    public int Window(string key, long end, int minutes, out double expected)
    {
        var c = 0;
        expected = Expected(key, end, minutes);
        for (var m = end - minutes + 1; m <= end; m++)
            if (Counts.Minutes.TryGetValue(m, out var keys)) c += keys.GetValueOrDefault(key);
        return c;
    }

    /// <summary>The count expected of a key in a window: each hour's expectation for the minutes of the window in it.</summary>
    private double Expected(string key, long end, int minutes)
    {
        var expected = 0.0;
        for (var m = end - minutes + 1; m <= end;)
        {
            var hour = m - Mod(m, 60);
            var hourEnd = Math.Min(end, hour + 59);
            expected += HourExpectation(key, hour) * (hourEnd - m + 1) / 60.0;
            m = hourEnd + 1;
        }
        return expected;
    }

    /// <summary><see cref="ExpectedPerHour"/> for the hour starting at minute <paramref name="hour"/>, kept until the
    /// detector next learns (only learning changes it): a key's windows ask for the same hour for 60 minutes.</summary>
    private double HourExpectation(string key, long hour)
    {
        if (!ReferenceEquals(_expectedFor, P)) { _expected.Clear(); _expectedFor = P; }
        ref var value = ref CollectionsMarshal.GetValueRefOrAddDefault(_expected, (key, hour), out var known);
        if (!known) value = ExpectedPerHour(key, CityStart(hour));
        return value;
    }

    private readonly Dictionary<(string Key, long Hour), double> _expected = [];
    private SurgeParameters? _expectedFor;

    // Every key's count in the 15 and 60 minutes ending with the minute being evaluated, summed in one pass over those
    // minutes (profiled: a lookup per key and minute of each window was most of the detector's cost in a replay).
    private readonly Dictionary<string, int> _count15 = new(StringComparer.Ordinal), _count60 = new(StringComparer.Ordinal);
    private HashSet<string>? _orderedOf;
    private string[] _ordered = [];

    private void SumWindows(long end)
    {
        _count15.Clear();
        _count60.Clear();
        for (var m = end - 59; m <= end; m++)
        {
            if (!Counts.Minutes.TryGetValue(m, out var keys)) continue;
            foreach (var (k, n) in keys)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_count60, k, out _) += n;
                if (m > end - 15) CollectionsMarshal.GetValueRefOrAddDefault(_count15, k, out _) += n;
            }
        }
    }

    /// <summary>The known keys in ordinal order, sorted again only when a key was added (keys are never removed).</summary>
    private string[] OrderedKeys()
    {
        if (_orderedOf != KnownKeys || _ordered.Length != KnownKeys.Count)
        {
            _ordered = [.. KnownKeys.Order(StringComparer.Ordinal)];
            _orderedOf = KnownKeys;
        }
        return _ordered;
    }

    private static long Mod(long a, long b) => ((a % b) + b) % b;

    public double Z(int count, double expected)
    {
        var e = Math.Max(expected, P.MinExpected);
        return Math.Max(0, count - e - 0.5) / Math.Sqrt(e);
    }

    /// <summary>P(X ≥ c) for X ~ Poisson(λ), summed directly from c upwards (exact enough for the counts of a window).</summary>
    public static double PoissonTail(int c, double lambda)
    {
        if (c <= 0) return 1;
        if (c <= lambda) return 1; // not above the mean: never a surge
        var logTerm = -lambda + c * Math.Log(lambda);
        for (var i = 2; i <= c; i++) logTerm -= Math.Log(i);
        var term = Math.Exp(logTerm);
        var sum = 0.0;
        for (var k = c; term > 1e-300 && (sum == 0 || term > sum * 1e-12); k++)
        {
            sum += term;
            term *= lambda / (k + 1);
        }
        return Math.Min(1, sum);
    }

    /// <summary>Evaluates every whole minute before the one containing <paramref name="watermark"/>.</summary>
    public List<SurgeAlert> Advance(DateTimeOffset watermark)
    {
        var alerts = new List<SurgeAlert>();
        var last = MinuteBuckets.MinuteOf(watermark) - 1;
        if (Evaluated == 0)
        {
            if (Counts.IsEmpty) return alerts;
            Evaluated = Math.Max(Counts.Minutes.Keys.Min(), last - 24 * 60) - 1;
        }
        // After a long pause (a restart, a jump of the event clock) catch up on a week at most.
        if (last - Evaluated > 7 * 24 * 60) Evaluated = last - 7 * 24 * 60;
        for (var m = Evaluated + 1; m <= last; m++)
        {
            EvaluateMinute(m, alerts);
            Evaluated = m;
            if (Mod(m + 1, 60) == 0) Learn(m - 59);
        }
        // Keep two hours of minutes (and any newer ones, which may be ahead of the watermark).
        foreach (var old in Counts.Minutes.Keys.Where(k => k < last - 120).ToList()) Counts.Minutes.Remove(old);
        return alerts;
    }

    private void EvaluateMinute(long m, List<SurgeAlert> alerts)
    {
        var at = MinuteBuckets.StartOf(m + 1);
        SumWindows(m);
        foreach (var key in OrderedKeys())
        {
            var c15 = _count15.GetValueOrDefault(key);
            var e15 = Expected(key, m, 15);
            var z15 = Z(c15, e15);
            if (!Active.TryGetValue(key, out var s))
            {
                if (c15 >= P.StartMinCount && PoissonTail(c15, Math.Max(e15, P.MinExpected)) <= P.StartP)
                {
                    s = new ActiveSurge { Id = $"{key}@{CityStart(m - 14):yyyyMMdd'T'HHmm}", Key = key, StartMinute = m, LastUpdateMinute = m, PeakCount15 = c15 };
                    Active[key] = s;
                    alerts.Add(Alert(s, m, SurgePhase.Start, at, c15, e15, z15, 15));
                }
                continue;
            }
            var c60 = _count60.GetValueOrDefault(key);
            var e60 = Expected(key, m, 60);
            var z60 = Z(c60, e60);
            if (z60 < P.EndZ)
            {
                if (s.QuietSince < 0) s.QuietSince = m;
                if (m - s.QuietSince + 1 >= P.EndQuietMinutes)
                {
                    Active.Remove(key);
                    alerts.Add(Alert(s, m, SurgePhase.End, at, c60, e60, z60, 60) with { EndedAt = at });
                    continue;
                }
            }
            else s.QuietSince = -1;
            var grew = c15 >= s.PeakCount15 * 1.5 && c15 >= s.PeakCount15 + 10;
            if (m - s.LastUpdateMinute >= P.UpdateEveryMinutes || grew)
            {
                s.PeakCount15 = Math.Max(s.PeakCount15, c15);
                s.LastUpdateMinute = m;
                var alert = Alert(s, m, SurgePhase.Update, at, c60, e60, z60, 60);
                if (m - s.StartMinute >= P.ProposalAfterMinutes && c60 >= P.ProposalRatio * Math.Max(e60, P.MinExpected))
                {
                    alert = alert with { Proposal = Propose(key, alert.TopKeywords) };
                    s.Proposed = true;
                }
                alerts.Add(alert);
            }
        }
    }

    private SurgeAlert Alert(ActiveSurge s, long m, SurgePhase phase, DateTimeOffset at, int count, double expected, double z, int window)
    {
        var i = s.Key.IndexOf(':');
        return new SurgeAlert(s.Id, phase, s.Key[..i], s.Key, s.Key[(i + 1)..], count, Math.Round(expected, 1), Math.Round(z, 2), window,
            TopKeywords(m), at, MinuteBuckets.StartOf(s.StartMinute - 14));
    }

    /// <summary>The keywords with the largest excess over their baseline in the 60 minutes ending with minute
    /// <paramref name="m"/>, the minute being evaluated (its window counts are summed).</summary>
    private List<string> TopKeywords(long m) =>
        KeywordKeys.Select(k => (k.Label, Excess: _count60.GetValueOrDefault(k.Key) - Expected(k.Key, m, 60)))
            .Where(x => x.Excess >= 3).OrderByDescending(x => x.Excess).Take(5).Select(x => x.Label).ToList();

    private static readonly (string Label, string Key)[] KeywordKeys = [.. SurgeKeywords.All.Select(k => (k.Label, "keyword:" + k.Label))];

    private static EmergencyProposal Propose(string key, IReadOnlyList<string> topKeywords)
    {
        var i = key.IndexOf(':');
        var (dim, name) = (key[..i], key[(i + 1)..]);
        var keywords = SurgeKeywords.All.Where(k => topKeywords.Contains(k.Label) || (dim == "keyword" && k.Label == name)).SelectMany(k => k.Patterns).Distinct().ToList();
        var rule = new EmergencyRule(dim == "category" ? [name] : [], dim == "district" ? [name] : [], keywords);
        var label = dim == "category" ? Categories.Of(name).Name : name;
        return new EmergencyProposal($"{label}激增", rule);
    }

    /// <summary>At the end of an hour: its counts teach the hour-of-week slots and the shares of keys not surging.</summary>
    private void Learn(long firstMinute)
    {
        _expected.Clear();
        var t = CityStart(firstMinute);
        var slot = HourOfWeek(t);
        var counts = new Dictionary<string, int>();
        var total = 0;
        for (var m = firstMinute; m < firstMinute + 60; m++)
        {
            if (!Counts.Minutes.TryGetValue(m, out var keys)) continue;
            foreach (var (k, n) in keys)
            {
                counts[k] = counts.GetValueOrDefault(k) + n;
                if (k.StartsWith("category:", StringComparison.Ordinal)) total += n;
            }
        }
        // The total always learns: it only scales the keys' shares, and the surging keys keep their own slots.
        LearnSlot(TotalKey, slot, total);
        foreach (var key in KnownKeys)
        {
            if (Active.ContainsKey(key)) continue;
            var c = counts.GetValueOrDefault(key);
            LearnSlot(key, slot, c);
            if (!Shares.TryGetValue(key, out var sh)) Shares[key] = sh = new double[2];
            sh[0] = sh[0] * ShareDecay + c;
            sh[1] = sh[1] * ShareDecay + total;
        }
    }

    private void LearnSlot(string key, int slot, int count)
    {
        if (!Slots.TryGetValue(key, out var s)) { Slots[key] = s = new double[168]; SlotSeen[key] = new int[168]; }
        var n = SlotSeen[key][slot];
        s[slot] = n == 0 ? count : s[slot] + Math.Max(P.SlotAlpha, 1.0 / (n + 1)) * (count - s[slot]);
        SlotSeen[key][slot] = n + 1;
    }
}
