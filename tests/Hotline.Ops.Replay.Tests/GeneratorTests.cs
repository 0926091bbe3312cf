using System.Diagnostics;
using Hotline.Ops.Domain;
using Xunit.Abstractions;

namespace Hotline.Ops.Replay.Tests;

/// <summary>The default month generated once for all tests of this class (it takes a few seconds).</summary>
public sealed class FebruaryFixture
{
    public GeneratedMonth Month { get; }
    public TimeSpan GenerationTime { get; }
    public Replayed Result { get; }

    public FebruaryFixture()
    {
        var sw = Stopwatch.StartNew();
        Month = MonthGenerator.Generate(ReplayTargets.February2024);
        GenerationTime = sw.Elapsed;
        Result = Replayed.Through(Month.Events);
    }
}

/// <summary>Every event through the domain's state machine; final states and the rejections.</summary>
public sealed record Replayed(Dictionary<string, TicketState> States, List<string> Rejections)
{
    public static readonly TransitionRules Rules = TransitionRules.Default(id => SeedUnits.All.Any(u => u.Id == id));

    public static Replayed Through(IReadOnlyList<TicketEvent> events)
    {
        var states = new Dictionary<string, TicketState>();
        var rejections = new List<string>();
        foreach (var e in events)
        {
            states.TryGetValue(e.TicketId!, out var s);
            var t = WorkOrderMachine.Apply(s, e, Rules);
            if (t.Accepted) states[e.TicketId!] = t.State!;
            else rejections.Add($"{e.Id} {e.Type}: {t.Rejection}");
        }
        return new Replayed(states, rejections);
    }

    public Dictionary<(string Unit, AssessmentChannel Channel), AssessmentCounts> CountsFor(string month)
    {
        var sums = new Dictionary<(string, AssessmentChannel), AssessmentCounts>();
        foreach (var s in States.Values)
            if (WorkOrderAssessment.Of(s) is { } c && c.Month == month)
                sums[(c.UnitId, c.Channel)] = sums.GetValueOrDefault((c.UnitId, c.Channel)) + c.Counts;
        return sums;
    }

    /// <summary>Asserts that the month's per-unit counts are exactly the targets (and nothing else counts).</summary>
    public void AssertMatches(ReplayTargets targets)
    {
        var got = CountsFor(targets.Month);
        var want = targets.Rows.Where(r => r.Counts.Due > 0).ToDictionary(r => (r.UnitId, r.Channel), r => r.Counts);
        foreach (var (key, w) in want)
        {
            Assert.True(got.TryGetValue(key, out var g), $"{key}: no orders counted");
            var expected = (w.Due, w.Handled, w.OnTime, w.Rework, w.SatisfiedTotal, w.Dissatisfied);
            var actual = (g.Due, g.Handled, g.OnTime, g.Rework, g.SatisfiedTotal, g.Dissatisfied);
            Assert.True(expected == actual, $"{key}: expected {expected}, got {actual}");
        }
        Assert.Empty(got.Keys.Except(want.Keys));
    }
}

public class GeneratorTests(FebruaryFixture feb, ITestOutputHelper output) : IClassFixture<FebruaryFixture>
{
    [Fact]
    public void Every_event_is_accepted_by_the_state_machine()
    {
        output.WriteLine($"{feb.Month.Events.Count:N0} events, {feb.Month.Stats.Tickets:N0} tickets, generated in {feb.GenerationTime.TotalSeconds:0.00} s");
        output.WriteLine(feb.Month.Stats.ToString());
        Assert.Empty(feb.Result.Rejections.Take(20));
    }

    [Fact]
    public void Every_unit_and_channel_matches_its_target_row_exactly() => feb.Result.AssertMatches(ReplayTargets.February2024);

    private static readonly HashSet<string> HotlinePlatform = ["hotline", "enterpriseLine", "deputyLine"];

    private IEnumerable<TicketEvent> InFebruary(string type) =>
        feb.Month.Events.Where(e => e.Type == type && CityTime.MonthOf(e.At!.Value) == "2024-02");

    private HashSet<string> TicketsOn(Func<TicketEvent, bool> receivedWhere) =>
        feb.Month.Events.Where(e => e.Type == "received" && receivedWhere(e)).Select(e => e.TicketId!).ToHashSet();

    [Fact]
    public void Headline_figures_of_the_bulletin()
    {
        var platform = TicketsOn(e => HotlinePlatform.Contains(e.Channel!));
        Assert.Equal(72_201, InFebruary("received").Count(e => HotlinePlatform.Contains(e.Channel!)));
        Assert.Equal(51_038, InFebruary("answered").Count(e => platform.Contains(e.TicketId!)));
        Assert.Equal(21_163, InFebruary("dispatched").Count(e => platform.Contains(e.TicketId!)));
        var counts = feb.Result.CountsFor("2024-02");
        Assert.Equal(22_249, counts.Where(kv => kv.Key.Channel == AssessmentChannel.Hotline).Sum(kv => kv.Value.Due));
        Assert.Equal(859, counts.Where(kv => kv.Key.Channel == AssessmentChannel.Mailbox).Sum(kv => kv.Value.Due));
        Assert.Equal(957, InFebruary("received").Count(e => !HotlinePlatform.Contains(e.Channel!)));

        var storm = InFebruary("received").Count(e => e.Tags?.Contains("ice-storm") == true);
        Assert.InRange(storm, 8_782 * 0.99, 8_782 * 1.01);

        var deputy = TicketsOn(e => e.Channel == "deputyLine");
        var enterprise = TicketsOn(e => e.Channel == "enterpriseLine");
        Assert.Equal((120, 68), (deputy.Count, InFebruary("dispatched").Count(e => deputy.Contains(e.TicketId!))));
        Assert.Equal((252, 59), (enterprise.Count, InFebruary("dispatched").Count(e => enterprise.Contains(e.TicketId!))));
    }

    [Fact]
    public void Carry_over_follows_the_deadline_month_rule()
    {
        var st = feb.Month.Stats;
        // dispatched-in-Feb-and-due-in-Feb + carried in = 22,249 and dispatched in Feb = 21,163.
        Assert.Equal(st.CarriedIn - 1_086, st.CarriedOut);
        var hotline = feb.Result.States.Values.Where(s => s.IsWorkOrder && Channels.AssessedAs(s.Channel) == AssessmentChannel.Hotline).ToList();
        var carriedIn = hotline.Where(s => CityTime.MonthOf(s.ReceivedAt) == "2024-01").ToList();
        Assert.Equal(st.CarriedIn, carriedIn.Count);
        Assert.All(carriedIn, s => Assert.Equal("2024-02", CityTime.MonthOf(s.Deadline!.Value)));
        Assert.Equal(st.CarriedOut, hotline.Count(s => CityTime.MonthOf(s.Deadline!.Value) == "2024-03"));
        Assert.Equal(st.CarriedIn + st.LettersCarriedIn, feb.Month.Events.Count(e => e.Type == "received" && e.At!.Value < feb.Month.MonthStart));
        Assert.True(feb.Month.Events.All(e => e.At!.Value <= feb.Month.MonthEnd), "nothing after the month (no next-month replies needed here)");
    }

    [Fact]
    public void Arrival_curve_has_the_storm_the_holiday_lull_and_the_day_rhythm()
    {
        var received = InFebruary("received").Where(e => HotlinePlatform.Contains(e.Channel!)).ToList();
        var stormTimes = received.Where(e => e.Tags?.Contains("ice-storm") == true).Select(e => e.At!.Value).ToList();
        var start = new DateTimeOffset(2024, 2, 1, 6, 0, 0, CityTime.Offset);
        Assert.All(stormTimes, t => Assert.InRange(t, start, CityTime.StartOfDay(new DateOnly(2024, 2, 8))));
        Assert.True(stormTimes.Count(t => t < start.AddDays(5)) > 0.9 * stormTimes.Count, "storm heavy for the first ~5 days");

        double PerDay(int from, int to) => received.Count(e => e.Tags is null && CityTime.Date(e.At!.Value).Day >= from && CityTime.Date(e.At!.Value).Day <= to) / (double)(to - from + 1);
        Assert.True(PerDay(10, 17) < 0.7 * PerDay(19, 23), "Spring Festival lull");
        var byHour = received.GroupBy(e => CityTime.ToCity(e.At!.Value).Hour).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byHour[3] * 5 < byHour[10] && byHour[3] * 5 < byHour[15], "low at night, peaks 9-11 and 14-17");
    }

    [Fact]
    public void Categories_follow_the_published_shares()
    {
        var received = InFebruary("received").Where(e => HotlinePlatform.Contains(e.Channel!)).ToList();
        foreach (var c in Categories.All)
        {
            var share = received.Count(e => e.Category == c.Id) / (double)received.Count;
            Assert.True(Math.Abs(share - c.Share) < 0.005, $"{c.Id}: {share:P2} vs {c.Share:P2}");
        }
        Assert.All(received, e => Assert.Contains(e.District!, SeedUnits.All.Where(u => u.Kind == UnitKind.County).Select(u => u.Name)));
    }

    [Fact]
    public void Loop_events_are_used_realistically()
    {
        var byType = feb.Month.Events.GroupBy(e => e.Type!).ToDictionary(g => g.Key, g => g.Count());
        foreach (var t in new[] { "signed", "returnRequested", "returnApproved", "returnRejected", "reassigned", "extended", "supervised", "closed", "reworkOrdered" })
            Assert.True(byType.GetValueOrDefault(t) > 0, $"no '{t}' events");
        // Ice-storm orders go mostly to the utilities and the counties.
        string[] utilities = ["state-grid-yueyang", "water-group", "cr-gas", "china-mobile", "china-telecom", "china-unicom", "bus-group"];
        var stormOrders = feb.Result.States.Values.Where(s => s.IsWorkOrder && s.Tags.Contains("ice-storm")).ToList();
        var toUtilitiesOrCounties = stormOrders.Count(s => utilities.Contains(s.UnitId) || SeedUnits.All.Any(u => u.Id == s.UnitId && u.Kind == UnitKind.County));
        output.WriteLine($"ice-storm orders: {stormOrders.Count}, to utilities or counties: {toUtilitiesOrCounties}");
        Assert.True(toUtilitiesOrCounties > 0.8 * stormOrders.Count);
        // A returned order counts only for the unit that holds it last.
        var returned = feb.Result.States.Values.Where(s => s.PreviousUnits.Length > 0).ToList();
        Assert.NotEmpty(returned);
        Assert.All(returned, s => Assert.NotEqual(s.PreviousUnits[0], s.UnitId));
    }

    [Fact]
    public void Same_seed_same_events_other_seed_other_events()
    {
        var again = MonthGenerator.Generate(ReplayTargets.February2024);
        Assert.Equal(feb.Month.Events.Count, again.Events.Count);
        for (var i = 0; i < again.Events.Count; i++)
            Assert.Equal(EventJson.Serialize(feb.Month.Events[i]), EventJson.Serialize(again.Events[i]));

        var other = MonthGenerator.Generate(ReplayTargets.February2024, seed: 7);
        Assert.NotEqual(feb.Month.Events.Take(1000).Select(EventJson.Serialize), other.Events.Take(1000).Select(EventJson.Serialize));
        // …and still exact.
        var r = Replayed.Through(other.Events);
        Assert.Empty(r.Rejections.Take(5));
        r.AssertMatches(ReplayTargets.February2024);
    }

    [Fact]
    public void Events_serialize_as_camelCase_with_the_city_offset_and_no_nulls()
    {
        var json = EventJson.Serialize(feb.Month.Events[0]);
        Assert.Contains("\"ticketId\":", json);
        Assert.Contains("+08:00\"", json);
        Assert.DoesNotContain("null", json);
    }
}
