namespace Hotline.Ops.Domain;

/// <summary>A unit's two tables for one month.</summary>
public sealed record UnitMonth(UnitProfile Unit, AssessmentCounts Hotline, AssessmentCounts Mailbox);

public sealed record BulletinTable(AssessmentChannel Channel, IReadOnlyList<BulletinRow> Rows, IReadOnlyDictionary<Grade, int> GradeCounts, int UnitsWithoutOrders);

/// <summary>The month's assessment tables (附件1 hotline, 附件2 mailbox) computed from the units' counts.</summary>
public sealed record BulletinReport(string Month, BulletinTable Hotline, BulletinTable Mailbox)
{
    public BulletinTable Table(AssessmentChannel c) => c == AssessmentChannel.Hotline ? Hotline : Mailbox;
}

public static class Bulletins
{
    /// <summary>
    /// Builds both tables. Only units with orders are graded and listed; rows are grouped as the bulletin groups them
    /// (counties, agencies, enterprises) and ranked by score within a group, ties by name for a stable order.
    /// </summary>
    public static BulletinReport Build(string month, IEnumerable<UnitMonth> units, GradeBounds? bounds = null)
    {
        var list = units.ToList();
        return new BulletinReport(month, Table(AssessmentChannel.Hotline, list, bounds), Table(AssessmentChannel.Mailbox, list, bounds));
    }

    private static BulletinTable Table(AssessmentChannel channel, List<UnitMonth> units, GradeBounds? bounds)
    {
        var rows = units
            .Select(u => (u.Unit, Assessment: Scoring.Assess(channel, channel == AssessmentChannel.Hotline ? u.Hotline : u.Mailbox, bounds)))
            .Where(x => x.Assessment.Score is not null)
            .Select(x => new BulletinRow(channel, x.Unit.KindIn(channel), x.Unit.Name, x.Assessment.Counts, x.Assessment.RatePct, x.Assessment.Score, x.Assessment.Grade))
            .OrderBy(r => r.Kind).ThenByDescending(r => r.PublishedScore).ThenBy(r => r.Unit, StringComparer.Ordinal)
            .ToList();
        var grades = Enum.GetValues<Grade>().ToDictionary(g => g, g => rows.Count(r => r.PublishedGrade == g));
        return new BulletinTable(channel, rows, grades, units.Count - rows.Count);
    }
}
