using Hotline.Ops.Domain;

namespace Hotline.Ops.Domain.Tests;

public class BulletinCsvTests
{
    private static readonly string Header = BulletinCsv.Header;
    private const string Row1 = "hotline,county,城陵矶新港区,60,60,100.0,60,100.0,3,5.0,10,,18.18,55,95.4,A,67";
    private const string Row2 = "mailbox,agency,市国资委,5,5,100.0,5,100.0,0,0.0,,4,80.0,5,96.0,A,183";

    [Fact]
    public void FormatThenParseKeepsEveryRow()
    {
        var rows = BulletinCsv.February2024;
        Assert.Equal(119, rows.Count);
        var text = BulletinCsv.Format(rows);
        var back = BulletinCsv.Parse(text);
        Assert.Equal(rows.Count, back.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Counts, back[i].Counts);
            Assert.Equal(rows[i], back[i]);
        }
        Assert.Equal(text, BulletinCsv.Format(back));
    }

    [Fact]
    public void FormattedRatesMatchThePrintedRates()
    {
        // Format recomputes completion, on-time and rework rates from the counts: they must agree with the bulletin.
        var reference = BulletinCsv.Parse(TestSupport.EmbeddedText("yueyang-2024-02-unit-scores.csv"));
        var refCells = Csv.DataLines(TestSupport.EmbeddedText("yueyang-2024-02-unit-scores.csv")).Skip(1).Select(Csv.Split).ToList();
        var outCells = Csv.DataLines(BulletinCsv.Format(reference)).Skip(1).Select(Csv.Split).ToList();
        Assert.Equal(refCells.Count, outCells.Count);
        foreach (var col in new[] { "completion_rate_pct", "on_time_rate_pct", "rework_rate_pct" })
        {
            var ix = Array.IndexOf(BulletinCsv.Columns, col);
            for (var i = 0; i < refCells.Count; i++)
                Assert.True(decimal.Parse(refCells[i][ix]) == decimal.Parse(outCells[i][ix]), $"{col} of {refCells[i][2]}: {refCells[i][ix]} vs {outCells[i][ix]}");
        }
    }

    [Fact]
    public void ParseMapsCountsPerChannel()
    {
        var rows = BulletinCsv.Parse(Header + "\n" + Row1 + "\n" + Row2 + "\n");
        Assert.Equal(2, rows.Count);
        // Hotline: dissatisfied as printed, the rest of the derived follow-ups satisfied.
        Assert.Equal(new AssessmentCounts(60, 60, 60, 3, 45, 0, 10), rows[0].Counts);
        Assert.Equal((AssessmentChannel.Hotline, UnitKind.County, 95.4m, Grade.A, 67), (rows[0].Channel, rows[0].Kind, rows[0].PublishedScore, rows[0].PublishedGrade, rows[0].SeedLine));
        // Mailbox: satisfied as printed, the rest dissatisfied.
        Assert.Equal(new AssessmentCounts(5, 5, 5, 0, 4, 0, 1), rows[1].Counts);
        Assert.Equal(5, rows[1].FollowUps);
    }

    [Fact]
    public void BlankDerivedFollowUpsMeanOnePerHandledOrder()
    {
        // The bulletin prints a 0.0 % rate for these rows: there were follow-ups, none dissatisfied.
        var ok = BulletinCsv.Parse(Header + "\nhotline,agency,市司法局,5,5,100.0,5,100.0,0,0.0,0,,0.0,,100.0,A,111");
        Assert.Equal(5, ok[0].FollowUps);
        Assert.Equal(0.0m, ok[0].Counts.Dissatisfied);
        Assert.Equal(0.0m, Scoring.PublishedRatePct(AssessmentChannel.Hotline, ok[0].Counts));
        Assert.Equal(100.0m, Scoring.Score(AssessmentChannel.Hotline, ok[0].Counts));
        var ex = Assert.Throws<FormatException>(() =>
            BulletinCsv.Parse(Header + "\nhotline,agency,市司法局,5,5,100.0,5,100.0,0,0.0,7,,0.0,,100.0,A,111"));
        Assert.Contains("Line 2", ex.Message);
    }

    public static TheoryData<string, string, string[]> BrokenFiles() => new()
    {
        { "missing column", Header.Replace("on_time,", "") + "\n" + Row1, ["Line 1", "on_time"] },
        { "missing columns", Header.Replace(",due,", ",").Replace(",rework,", ",") + "\n" + Row1, ["Line 1", "due", "rework"] },
        { "negative count", Header + "\n" + Row2 + "\n" + Row1.Replace(",3,5.0,", ",-3,5.0,"), ["Line 3", "城陵矶新港区", "rework", "negative"] },
        { "on_time > handled", Header + "\n" + Row1.Replace("60,60,100.0,60,", "60,50,100.0,55,"), ["Line 2", "on_time 55 > handled 50"] },
        { "handled > due", Header + "\n" + Row2 + "\n" + Row1.Replace("60,60,100.0,60,", "60,61,100.0,60,"), ["Line 3", "handled 61 > due 60"] },
        { "non-numeric", Header + "\n" + Row1 + "\n" + Row2.Replace(",5,5,100.0,5,", ",5,five,100.0,5,"), ["Line 3", "handled", "'five'", "not a whole number"] },
        { "decimal count", Header + "\n" + Row1.Replace(",60,60,", ",60.0,60,"), ["Line 2", "due", "not a whole number"] },
        { "missing value", Header + "\n" + "hotline,county,城陵矶新港区,60", ["Line 2", "not a whole number"] },
        { "unknown channel", Header + "\n" + Row1.Replace("hotline,", "fax,"), ["Line 2", "channel 'fax'"] },
        { "unknown kind", Header + "\n" + Row1.Replace(",county,", ",province,"), ["Line 2", "unit_kind 'province'"] },
        { "empty unit", Header + "\n" + Row1.Replace(",城陵矶新港区,", ",,"), ["Line 2", "unit is empty"] },
        { "follow-ups short", Header + "\n" + Row2.Replace(",,4,80.0,5,", ",,6,80.0,5,"), ["Line 2", "followup_satisfied 6 > derived_followups 5"] },
        { "empty file", "", ["empty"] },
        { "duplicate column", Header + ",unit\n" + Row1, ["Line 1", "'unit'", "more than once"] },
        // Comments and blank lines are part of the CSV dialect: the line named is the line in the file.
        { "after a comment", "# February 2024\n" + Header + "\n" + Row1.Replace(",3,5.0,", ",-3,5.0,"), ["Line 3", "negative"] },
        { "after a blank line", Header + "\n" + Row2 + "\n\n" + Row1.Replace("60,60,100.0,60,", "60,61,100.0,60,"), ["Line 4", "handled 61 > due 60"] },
        { "missing column after a comment", "# c\n" + Header.Replace("due,", "") + "\n" + Row1, ["Line 2", "due"] },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void ParseErrorsNameTheLine(string what, string text, string[] expected)
    {
        var ex = Assert.Throws<FormatException>(() => BulletinCsv.Parse(text));
        foreach (var e in expected) Assert.True(ex.Message.Contains(e, StringComparison.Ordinal), $"{what}: '{ex.Message}' lacks '{e}'");
    }

    [Fact]
    public void ValidSmallFileWithCommentsAndCrLfParses()
    {
        var rows = BulletinCsv.Parse("# note\r\n" + Header + "\r\n\r\n" + Row1 + "\r\n" + Row2 + "\r\n");
        Assert.Equal(["城陵矶新港区", "市国资委"], rows.Select(r => r.Unit));
    }
}
