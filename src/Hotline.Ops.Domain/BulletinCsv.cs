using System.Globalization;

namespace Hotline.Ops.Domain;

/// <summary>One row of a bulletin assessment table (附件1/附件2) in the reference CSV's columns.</summary>
public sealed record BulletinRow(
    AssessmentChannel Channel, UnitKind Kind, string Unit, AssessmentCounts Counts,
    decimal? PublishedRatePct, decimal? PublishedScore, Grade? PublishedGrade, int? SeedLine = null, string? UnitId = null)
{
    /// <summary>Follow-ups (回访) behind the published rate.</summary>
    public int FollowUps => Counts.FollowUps;
}

/// <summary>
/// Reads and writes the reference CSV format (../shared/reference/yueyang-2024-02-unit-scores.csv). Counts in a
/// row map onto <see cref="AssessmentCounts"/>: on the hotline, dissatisfied = followup_dissatisfied and the rest of
/// derived_followups are satisfied; on the mailbox, satisfied = followup_satisfied and the rest are dissatisfied.
/// An empty derived_followups (not recoverable from a 0 % rate) means one follow-up per handled order.
/// </summary>
public static class BulletinCsv
{
    public static readonly string[] Columns =
    [
        "channel", "unit_kind", "unit", "due", "handled", "completion_rate_pct", "on_time", "on_time_rate_pct",
        "rework", "rework_rate_pct", "followup_dissatisfied", "followup_satisfied", "published_rate_pct",
        "derived_followups", "published_score", "published_grade", "seed_line",
    ];

    public static string Header => string.Join(',', Columns);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The rows shipped with the domain (the February 2024 bulletin).</summary>
    public static IReadOnlyList<BulletinRow> February2024 => _feb ??= Parse(string.Join('\n', EmbeddedData.Lines("yueyang-2024-02-unit-scores.csv")));
    private static IReadOnlyList<BulletinRow>? _feb;

    /// <summary>Parses a table; any defect throws a <see cref="FormatException"/> naming the line.</summary>
    public static IReadOnlyList<BulletinRow> Parse(string text)
    {
        // Same filter as Csv.DataLines, but keeping each line's number in the file for the error messages.
        var lines = text.Split('\n').Select((l, i) => (No: i + 1, Text: l.TrimEnd('\r')))
            .Where(l => l.Text.Length > 0 && !l.Text.StartsWith('#')).ToList();
        if (lines.Count == 0) throw new FormatException("The file is empty: expected a header line with columns " + Header);
        var header = Csv.Split(lines[0].Text).Select(h => h.Trim()).ToArray();
        var missing = new[] { "channel", "unit_kind", "unit", "due", "handled", "on_time", "rework", "followup_dissatisfied", "followup_satisfied", "derived_followups" }
            .Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0) throw new FormatException($"Line {lines[0].No}: missing column(s): {string.Join(", ", missing)}");
        if (header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1) is { } dup) throw new FormatException($"Line {lines[0].No}: column '{dup.Key}' appears more than once");
        var ix = header.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => p.i);

        var rows = new List<BulletinRow>();
        for (var n = 1; n < lines.Count; n++)
        {
            var f = Csv.Split(lines[n].Text);
            var lineNo = lines[n].No;
            string Get(string col) => ix.TryGetValue(col, out var i) && i < f.Length ? f[i].Trim() : "";
            int Int(string col, bool required = true)
            {
                var s = Get(col);
                if (s.Length == 0 && !required) return 0;
                if (!int.TryParse(s, NumberStyles.Integer, Inv, out var v)) throw new FormatException($"Line {lineNo} ({Get("unit")}): {col} '{s}' is not a whole number");
                if (v < 0) throw new FormatException($"Line {lineNo} ({Get("unit")}): {col} is negative ({v})");
                return v;
            }
            decimal? Dec(string col) => decimal.TryParse(Get(col), NumberStyles.Number, Inv, out var v) ? v : null;

            if (!Channels.TryParse(Get("channel"), out AssessmentChannel channel)) throw new FormatException($"Line {lineNo}: channel '{Get("channel")}' is not hotline or mailbox");
            if (!UnitKinds.TryParse(Get("unit_kind"), out var kind)) throw new FormatException($"Line {lineNo}: unit_kind '{Get("unit_kind")}' is not county, agency or enterprise");
            var unit = Get("unit");
            if (unit.Length == 0) throw new FormatException($"Line {lineNo}: unit is empty");
            int due = Int("due"), handled = Int("handled"), onTime = Int("on_time"), rework = Int("rework");
            // The bulletin prints no follow-up count; where the count ÷ rate cannot recover it (0 dissatisfied at 0 %),
            // take one follow-up per handled order.
            var followUps = Get("derived_followups").Length == 0 ? handled : Int("derived_followups");
            if (handled > due) throw new FormatException($"Line {lineNo} ({unit}): handled {handled} > due {due}");
            if (onTime > handled) throw new FormatException($"Line {lineNo} ({unit}): on_time {onTime} > handled {handled}");
            AssessmentCounts counts;
            if (channel == AssessmentChannel.Hotline)
            {
                var dis = Int("followup_dissatisfied");
                if (dis > followUps) throw new FormatException($"Line {lineNo} ({unit}): followup_dissatisfied {dis} > derived_followups {followUps}");
                counts = new AssessmentCounts(due, handled, onTime, rework, followUps - dis, 0, dis);
            }
            else
            {
                var sat = Int("followup_satisfied");
                if (sat > followUps) throw new FormatException($"Line {lineNo} ({unit}): followup_satisfied {sat} > derived_followups {followUps}");
                counts = new AssessmentCounts(due, handled, onTime, rework, sat, 0, followUps - sat);
            }
            Grade? grade = Enum.TryParse<Grade>(Get("published_grade"), out var g) ? g : null;
            int? seedLine = int.TryParse(Get("seed_line"), out var sl) ? sl : null;
            rows.Add(new BulletinRow(channel, kind, unit, counts, Dec("published_rate_pct"), Dec("published_score"), grade, seedLine));
        }
        return rows;
    }

    public static string Format(IEnumerable<BulletinRow> rows)
    {
        var sb = new System.Text.StringBuilder(Header).Append('\n');
        foreach (var r in rows)
        {
            var c = r.Counts;
            var hotline = r.Channel == AssessmentChannel.Hotline;
            sb.AppendJoin(',',
                Channels.Wire(r.Channel), UnitKinds.Wire(r.Kind), r.Unit,
                I(c.Due), I(c.Handled), P(Scoring.RatePct(c.Handled, c.Due)), I(c.OnTime), P(Scoring.RatePct(c.OnTime, c.Due)),
                I(c.Rework), P(Scoring.RatePct(c.Rework, c.Due)),
                hotline ? I(c.Dissatisfied) : "", hotline ? "" : I(c.SatisfiedTotal),
                P(r.PublishedRatePct), I(c.FollowUps),
                r.PublishedScore?.ToString(hotline ? "0.0" : "0.00", Inv) ?? "", r.PublishedGrade?.ToString() ?? "",
                r.SeedLine?.ToString(Inv) ?? "").Append('\n');
        }
        return sb.ToString();

        static string I(int v) => v.ToString(Inv);
        static string P(decimal? v) => v?.ToString("0.0#", Inv) ?? "";
    }
}
