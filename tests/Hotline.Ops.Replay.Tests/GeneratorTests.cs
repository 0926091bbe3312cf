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
}
