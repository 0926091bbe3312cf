namespace Hotline.Ops.Domain;

/// <summary>A unit's two tables for one month.</summary>
public sealed record UnitMonth(UnitProfile Unit, AssessmentCounts Hotline, AssessmentCounts Mailbox);

public sealed record BulletinTable(AssessmentChannel Channel, IReadOnlyList<BulletinRow> Rows, IReadOnlyDictionary<Grade, int> GradeCounts, int UnitsWithoutOrders);

/// <summary>The headline of the bulletin (二、热线运行情况): requests, direct answers, orders, and the orders' rates.</summary>
public sealed record BulletinHeadline(int Received, int Answered, int Dispatched, decimal? CompletionRatePct, decimal? OnTimeRatePct,
    decimal? SatisfactionRatePct, int Letters, int IceStorm);

public sealed record CategoryCount(string Category, string Name, int Count, decimal? SharePct);

/// <summary>A ranked group of the bulletin (县市区; 行政事业单位 with enough orders; 公共服务企业 with enough orders).</summary>
public sealed record RankedGroup(UnitKind Kind, int MinOrders, IReadOnlyList<BulletinRow> Top);

/// <summary>A bonus or penalty (加扣分), entered by the centre or following from a grade.</summary>
public sealed record Adjustment(string UnitId, string Month, decimal Points, string Indicator, string Reason, string? OrderNumber = null, bool Automatic = false);

/// <summary>Where our figure differs from the one printed in a published bulletin for the same row.</summary>
public sealed record Discrepancy(AssessmentChannel Channel, string Unit, decimal? PublishedScore, Grade? PublishedGrade, decimal? OurScore, Grade? OurGrade);

/// <summary>The month's bulletin computed from the events.</summary>
public sealed record BulletinReport(
    string Month, BulletinHeadline Headline, IReadOnlyList<CategoryCount> Categories,
    BulletinTable Hotline, BulletinTable Mailbox, IReadOnlyList<RankedGroup> TopHotline,
    IReadOnlyList<Adjustment> Adjustments, IReadOnlyList<Discrepancy> Discrepancies)
{
    public BulletinTable Table(AssessmentChannel c) => c == AssessmentChannel.Hotline ? Hotline : Mailbox;
}

/// <summary>
/// The bulletin's rules that are configuration: which units are ranked (agencies with ≥ 50 orders, enterprises with
/// ≥ 100) and the points that follow from a monthly grade (hotline B −2, E −4; mailbox C −4).
/// </summary>
public sealed record BulletinRules
{
    public int TopCount { get; init; } = 3;
    public int AgencyMinOrders { get; init; } = 50;
    public int EnterpriseMinOrders { get; init; } = 100;
    public Dictionary<string, decimal> GradePoints { get; init; } = new() { ["hotline:B"] = -2m, ["hotline:E"] = -4m, ["mailbox:C"] = -4m };

    public static readonly BulletinRules Default = new();

    public int MinOrders(UnitKind kind) => kind switch { UnitKind.Agency => AgencyMinOrders, UnitKind.Enterprise => EnterpriseMinOrders, _ => 0 };
}

public static class Bulletins
{
    /// <summary>
    /// Builds the month's bulletin. Only units with orders are graded and listed; rows are grouped as the bulletin
    /// groups them and ranked by score within a group (ties by name, for a stable order).
    /// </summary>
    public static BulletinReport Build(
        string month, IEnumerable<UnitMonth> units, HourCounts activity, IEnumerable<Adjustment> entered,
        IReadOnlyList<BulletinRow>? published = null, GradeBounds? bounds = null, BulletinRules? rules = null)
    {
        rules ??= BulletinRules.Default;
        var list = units.ToList();
        var hotline = Table(AssessmentChannel.Hotline, list, bounds);
        var mailbox = Table(AssessmentChannel.Mailbox, list, bounds);

        var orders = list.Aggregate(default(AssessmentCounts), (a, u) => a + u.Hotline);
        var headline = new BulletinHeadline(activity.Received, activity.Answered, activity.Dispatched,
            Scoring.RatePct(orders.Handled, orders.Due), Scoring.RatePct(orders.OnTime, orders.Due), Scoring.RatePct(orders.SatisfiedTotal, orders.FollowUps),
            activity.LettersReceived, activity.ByTag.GetValueOrDefault("ice-storm"));
        var categories = activity.ByCategory.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new CategoryCount(c.Key, Domain.Categories.Of(c.Key).Name, c.Value, Scoring.RatePct(c.Value, activity.Received))).ToList();

        var top = Enum.GetValues<UnitKind>().Select(k => new RankedGroup(k, rules.MinOrders(k),
            hotline.Rows.Where(r => r.Kind == k && r.Counts.Due >= rules.MinOrders(k)).Take(rules.TopCount).ToList())).ToList();

        var automatic = hotline.Rows.Concat(mailbox.Rows)
            .Where(r => r.PublishedGrade is { } g && rules.GradePoints.ContainsKey($"{Channels.Wire(r.Channel)}:{g}"))
            .Select(r => new Adjustment(r.UnitId!, month, rules.GradePoints[$"{Channels.Wire(r.Channel)}:{r.PublishedGrade}"],
                r.Channel == AssessmentChannel.Hotline ? "热线办理综合考评" : "信箱办理综合考评",
                $"{(r.Channel == AssessmentChannel.Hotline ? "热线" : "信箱")}月度考评 {r.PublishedGrade} 类", Automatic: true));

        var discrepancies = published is null ? [] : (
            from p in published
            join ours in hotline.Rows.Concat(mailbox.Rows) on (p.Channel, p.Unit) equals (ours.Channel, ours.Unit) into matched
            let o = matched.SingleOrDefault()
            where o is null || o.PublishedScore != p.PublishedScore || o.PublishedGrade != p.PublishedGrade
            select new Discrepancy(p.Channel, p.Unit, p.PublishedScore, p.PublishedGrade, o?.PublishedScore, o?.PublishedGrade)).ToList();

        return new BulletinReport(month, headline, categories, hotline, mailbox, top,
            automatic.Concat(entered.Where(a => a.Month == month)).ToList(), discrepancies);
    }

    private static BulletinTable Table(AssessmentChannel channel, List<UnitMonth> units, GradeBounds? bounds)
    {
        var rows = units
            .Select(u => (u.Unit, Assessment: Scoring.Assess(channel, channel == AssessmentChannel.Hotline ? u.Hotline : u.Mailbox, bounds)))
            .Where(x => x.Assessment.Score is not null)
            .Select(x => new BulletinRow(channel, x.Unit.KindIn(channel), x.Unit.Name, x.Assessment.Counts, x.Assessment.RatePct,
                x.Assessment.Score, x.Assessment.Grade, UnitId: x.Unit.Id))
            .OrderBy(r => r.Kind).ThenByDescending(r => r.PublishedScore).ThenBy(r => r.Unit, StringComparer.Ordinal)
            .ToList();
        var grades = Enum.GetValues<Grade>().ToDictionary(g => g, g => rows.Count(r => r.PublishedGrade == g));
        return new BulletinTable(channel, rows, grades, units.Count - rows.Count);
    }
}
