namespace Hotline.Ops.Domain;

/// <summary>A declared emergency (e.g. 冰冻雨雪): requests received from <see cref="Start"/> that match its rule are tagged
/// <c>emergency:{Id}</c>, counted live, and their orders dispatched as urgent.</summary>
public sealed record Emergency(string Id, string Name, EmergencyRule Rule, DateTimeOffset Start, DateTimeOffset DeclaredAt, DateTimeOffset? End = null)
{
    public string Tag => "emergency:" + Id;
    public bool IsActive => End is null;

    /// <summary>Every non-empty part of the rule must match: category in the list, district in the list, any keyword in the text.</summary>
    public bool Matches(DateTimeOffset receivedAt, string? category, string? district, string? text) =>
        receivedAt >= Start && (End is null || receivedAt < End)
        && (Rule.Categories.Count == 0 || (category is not null && Rule.Categories.Contains(category)))
        && (Rule.Districts.Count == 0 || (district is not null && Rule.Districts.Contains(district)))
        && (Rule.Keywords.Count == 0 || SurgeKeywords.ContainsAny(text, Rule.Keywords));

    public static string? Validate(string? name, EmergencyRule? rule)
    {
        if (string.IsNullOrWhiteSpace(name)) return "missing field 'name'";
        if (name.Length > 100) return "'name' is longer than 100 characters";
        if (rule is null) return "missing field 'rule' (categories, districts, keywords)";
        if (rule.Categories.Count + rule.Districts.Count + rule.Keywords.Count == 0) return "the rule must name at least one category, district or keyword";
        var badCategories = rule.Categories.Where(c => !Categories.IsKnown(c)).ToList();
        if (badCategories.Count > 0) return $"unknown categor{(badCategories.Count == 1 ? "y" : "ies")} {string.Join(", ", badCategories.Select(c => $"'{c}'"))}; known: {string.Join(", ", Categories.All.Select(c => c.Id))}";
        var counties = SeedUnits.All.Where(u => u.Kind == UnitKind.County).Select(u => u.Name).ToHashSet();
        var badDistricts = rule.Districts.Where(d => !counties.Contains(d)).ToList();
        if (badDistricts.Count > 0) return $"unknown district{(badDistricts.Count == 1 ? "" : "s")} {string.Join(", ", badDistricts.Select(d => $"'{d}'"))}; districts are the county-level units ({string.Join("、", counties)})";
        if (rule.Keywords.Any(string.IsNullOrWhiteSpace)) return "a keyword is empty";
        return null;
    }
}

/// <summary>The last known state of one emergency order (later event time wins when silos' deltas merge).</summary>
public sealed record EmergencyOrder(string? UnitId, DateTimeOffset? Deadline, bool Done, DateTimeOffset At);

/// <summary>One emergency's counts from one silo in one flush, or merged.</summary>
public sealed class EmergencyCounts
{
    public int Received { get; set; }
    public Dictionary<string, int> ByCategory { get; set; } = [];
    public Dictionary<string, int> ByDistrict { get; set; } = [];
    /// <summary>City hour "yyyy-MM-ddTHH" → requests.</summary>
    public Dictionary<string, int> ByHour { get; set; } = [];
    public Dictionary<string, EmergencyOrder> Orders { get; set; } = [];

    /// <summary>Adds <paramref name="o"/>'s counts; <paramref name="sign"/> −1 takes them back out (a count back at zero
    /// is removed). Orders keep their latest state either way: taking one in again changes nothing.</summary>
    public void Merge(EmergencyCounts o, int sign = 1)
    {
        Received += sign * o.Received;
        KeyCounts.Add(ByCategory, o.ByCategory, sign);
        KeyCounts.Add(ByDistrict, o.ByDistrict, sign);
        KeyCounts.Add(ByHour, o.ByHour, sign);
        if (sign < 0) return;
        foreach (var (k, v) in o.Orders)
            if (!Orders.TryGetValue(k, out var mine) || mine.At <= v.At) Orders[k] = v;
    }
}

/// <summary>Per-silo pre-aggregation of emergency activity: emergency id → counts.</summary>
public sealed class EmergencyDelta
{
    public Dictionary<string, EmergencyCounts> ById { get; set; } = [];
    public bool IsEmpty => ById.Count == 0;

    private EmergencyCounts For(string id) => ById.TryGetValue(id, out var c) ? c : ById[id] = new EmergencyCounts();

    /// <summary>Counts one accepted event of a ticket that carries emergency tags.</summary>
    public void Record(TicketEventType type, DateTimeOffset at, TicketState t)
    {
        foreach (var tag in t.Tags)
        {
            if (!tag.StartsWith("emergency:", StringComparison.Ordinal)) continue;
            var c = For(tag["emergency:".Length..]);
            switch (type)
            {
                case TicketEventType.Received:
                    c.Received++;
                    var cat = t.Category ?? Categories.Other;
                    c.ByCategory[cat] = c.ByCategory.GetValueOrDefault(cat) + 1;
                    if (t.District is { } d) c.ByDistrict[d] = c.ByDistrict.GetValueOrDefault(d) + 1;
                    var h = ActivityBuckets.HourKey(at);
                    c.ByHour[h] = c.ByHour.GetValueOrDefault(h) + 1;
                    break;
                default:
                    if (t.IsWorkOrder) c.Orders[t.TicketId] = new EmergencyOrder(t.UnitId, t.Deadline, !t.AwaitsReply, at);
                    break;
            }
        }
    }

    public void Merge(EmergencyDelta o)
    {
        foreach (var (id, c) in o.ById) For(id).Merge(c);
    }
}

/// <summary>An emergency's report: live while it runs, frozen when it ends.</summary>
public sealed record EmergencyReport(
    string Id, string Name, EmergencyRule Rule, DateTimeOffset Start, DateTimeOffset? End, bool Active, DateTimeOffset AsOf,
    int Count, IReadOnlyDictionary<string, int> ByCategory, IReadOnlyDictionary<string, int> ByDistrict,
    IReadOnlyDictionary<string, int> ByUnit, IReadOnlyDictionary<string, int> ByHour, int Orders, int OrdersOpen, int OrdersOverdue)
{
    public static EmergencyReport Of(Emergency e, EmergencyCounts c, DateTimeOffset asOf)
    {
        var open = c.Orders.Values.Where(o => !o.Done && o.UnitId is not null).ToList();
        return new EmergencyReport(e.Id, e.Name, e.Rule, e.Start, e.End, e.IsActive, asOf, c.Received,
            Sorted(c.ByCategory), Sorted(c.ByDistrict),
            Sorted(c.Orders.Values.Where(o => o.UnitId is not null).GroupBy(o => o.UnitId!).ToDictionary(g => g.Key, g => g.Count())),
            new SortedDictionary<string, int>(c.ByHour, StringComparer.Ordinal),
            c.Orders.Count, open.Count, open.Count(o => o.Deadline < asOf));
    }

    private static SortedDictionary<string, int> Sorted(Dictionary<string, int> d) => new(d, StringComparer.Ordinal);
}

/// <summary>What <c>GET /api/ops/surges</c> lists: one surge from start to end, with its latest figures.</summary>
public sealed record SurgeRecord(
    string Id, string Dimension, string Key, string Label, DateTimeOffset StartedAt, DateTimeOffset DetectedAt, DateTimeOffset? EndedAt,
    int PeakCount, double Baseline, double Score, IReadOnlyList<string> TopKeywords, EmergencyProposal? Proposal)
{
    public SurgeRecord With(SurgeAlert a) => this with
    {
        EndedAt = a.EndedAt ?? EndedAt, PeakCount = a.Phase == SurgePhase.End ? PeakCount : Math.Max(PeakCount, a.Count),
        Baseline = a.Phase == SurgePhase.End ? Baseline : a.Baseline, Score = a.Phase == SurgePhase.End ? Score : Math.Max(Score, a.Score),
        TopKeywords = a.TopKeywords.Count > 0 ? a.TopKeywords : TopKeywords, Proposal = a.Proposal ?? Proposal,
    };

    public static SurgeRecord Of(SurgeAlert a) =>
        new(a.Id, a.Dimension, a.Key, a.Label, a.StartedAt, a.At, null, a.Count, a.Baseline, a.Score, a.TopKeywords, a.Proposal);
}
