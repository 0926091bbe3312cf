using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay.Tests;

public class CustomMonthTests
{
    /// <summary>October 2025: the National Day and Mid-Autumn holiday (1–8 Oct) and a make-up Saturday.</summary>
    public const string October2025 = """
        channel,unit_kind,unit,due,handled,completion_rate_pct,on_time,on_time_rate_pct,rework,rework_rate_pct,followup_dissatisfied,followup_satisfied,published_rate_pct,derived_followups,published_score,published_grade,seed_line
        hotline,county,岳阳楼区,40,38,,35,,3,,5,,,36,,,
        hotline,agency,市交通运输局,12,12,,11,,0,,2,,,10,,,
        hotline,agency,市国资委,3,2,,2,,5,,1,,,4,,,
        hotline,agency,市商务局,2,0,,0,,1,,1,,,2,,,
        hotline,agency,市司法局,5,5,,5,,0,,0,,,,,,
        mailbox,county,临湘市,5,5,,4,,0,,,4,,5,,,
        """;

    [Fact]
    public void A_small_custom_month_is_exact_too()
    {
        var targets = ReplayTargets.Parse(October2025, "2025-10");
        var month = MonthGenerator.Generate(targets, seed: 11);
        var replayed = Replayed.Through(month.Events);
        Assert.Empty(replayed.Rejections.Take(10));
        replayed.AssertMatches(targets);

        var st = month.Stats;
        Assert.Equal(0, st.IceStorm);
        Assert.DoesNotContain(month.Events, e => e.Tags is not null);
        // Volumes scale from the due sum as in February 2024.
        Assert.Equal(62, st.HotlineDue);
        Assert.Equal((int)Math.Round(62 * 21_163 / 22_249.0), st.OrdersDispatched);
        Assert.Equal(st.OrdersDispatched, month.Events.Count(e => e.Type == "dispatched" && CityTime.MonthOf(e.At!.Value) == "2025-10" && !e.TicketId!.StartsWith("MB")));
        // 市商务局 handled nothing in October: its rework and follow-ups sit on replies in November.
        Assert.Contains(replayed.States.Values, s => s.UnitId == "commerce-bureau" && CityTime.MonthOf(s.FirstReplyAt!.Value) == "2025-11");
    }

    [Theory]
    [InlineData("mailbox")]
    [InlineData("hotline")]
    public void Targets_with_one_table_only_are_exact(string table)
    {
        var lines = October2025.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var csv = string.Join('\n', lines.Take(1).Concat(lines.Skip(1).Where(l => l.StartsWith(table + ","))));
        var targets = ReplayTargets.Parse(csv, "2025-10");
        var month = MonthGenerator.Generate(targets);
        var replayed = Replayed.Through(month.Events);
        Assert.Empty(replayed.Rejections.Take(10));
        replayed.AssertMatches(targets);
    }
}
