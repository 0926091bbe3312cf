using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>One target row (a unit in one assessment table) with the unit id it maps to and its line in the file.</summary>
public sealed record TargetRow(int Line, BulletinRow Row, string UnitId)
{
    public AssessmentChannel Channel => Row.Channel;
    public AssessmentCounts Counts => Row.Counts;
}

/// <summary>The per-unit counts a replayed month must reproduce exactly, validated.</summary>
public sealed record ReplayTargets(string Month, IReadOnlyList<TargetRow> Rows)
{
    public const string DefaultMonth = "2024-02";

    public static ReplayTargets February2024 => _feb ??= FromRows(DefaultMonth, BulletinCsv.February2024);
    private static ReplayTargets? _feb;

    /// <summary>Parses and validates a targets CSV; every defect throws a <see cref="FormatException"/> naming the line.</summary>
    public static ReplayTargets Parse(string csvText, string month) => FromRows(month, BulletinCsv.Parse(csvText));

    public static ReplayTargets FromRows(string month, IReadOnlyList<BulletinRow> rows)
    {
        if (!CityTime.TryParseMonth(month, out _)) throw new FormatException($"month '{month}' is not YYYY-MM");
        var seen = new Dictionary<(string, AssessmentChannel), int>();
        var result = new List<TargetRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var line = i + 2; // same numbering as BulletinCsv.Parse: the header is line 1
            var unit = SeedUnits.ByName(r.Unit) ?? throw new FormatException($"Line {line} ({r.Unit}): unknown unit '{r.Unit}'");
            if (seen.TryGetValue((unit.Id, r.Channel), out var first))
                throw new FormatException($"Line {line} ({r.Unit}): unit '{r.Unit}' appears twice in the {Channels.Wire(r.Channel)} table (first on line {first})");
            seen[(unit.Id, r.Channel)] = line;
            var c = r.Counts;
            if (c.Due == 0 && (c.Rework > 0 || c.FollowUps > 0))
                throw new FormatException($"Line {line} ({r.Unit}): rework or follow-ups without any due order cannot be generated");
            result.Add(new TargetRow(line, r, unit.Id));
        }
        return new ReplayTargets(month, result);
    }

    public int DueSum(AssessmentChannel channel) => Rows.Where(r => r.Channel == channel).Sum(r => r.Counts.Due);
}
