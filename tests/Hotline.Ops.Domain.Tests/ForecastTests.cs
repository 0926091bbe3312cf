using Hotline.Ops.Domain;
using static Hotline.Ops.Domain.Tests.TestSupport;

namespace Hotline.Ops.Domain.Tests;

public sealed class ForecastTests
{
    private const AssessmentChannel Hotline = AssessmentChannel.Hotline;

    /// <summary>n orders dispatched on 5 February with deadlines on <paramref name="deadlineDay"/> February.</summary>
    private static List<OpenOrder> Orders(int n, int deadlineDay) =>
        Enumerable.Repeat(new OpenOrder(City(2024, 2, 5, 9), City(2024, 2, deadlineDay, 23, 59, 59)), n).ToList();

    [Fact]
    public void Once_the_month_is_over_the_forecast_is_a_point_mass_on_the_actual_grade()
    {
        // 市工信局's hotline row (86.3, B), with two orders still open that can no longer be handled this month.
        var n = new AssessmentCounts(27, 26, 26, 2, 12, 0, 12);
        var f = Forecasts.Simulate(new ForecastInput(Hotline, n, Orders(1, 20), City(2024, 3, 1, 0, 0, 1), "2024-02"))!;
        Assert.Equal(86.3m, f.ExpectedScore);
        Assert.Equal(Grade.B, f.ExpectedGrade);
        Assert.Equal((86.3m, 86.3m), (f.Low, f.High));
        Assert.Equal(1.0, f.Probabilities![Grade.B]);
        Assert.Equal(0.0, f.Probabilities.Where(p => p.Key != Grade.B).Sum(p => p.Value));
    }

    [Fact]
    public void All_on_time_and_nothing_open_at_the_end_of_the_month_is_certainly_A()
    {
        var n = new AssessmentCounts(40, 40, 40, 0, 30, 0, 0);
        // Two days before month end: nothing open, and orders dispatched now would be due next month.
        var f = Forecasts.Simulate(new ForecastInput(Hotline, n, [], City(2024, 2, 28, 9), "2024-02"))!;
        Assert.Equal(1.0, f.Probabilities![Grade.A]);
        Assert.Equal(100m, f.ExpectedScore);
    }

    [Fact]
    public void The_same_seed_gives_the_same_forecast_and_probabilities_sum_to_one()
    {
        var n = new AssessmentCounts(30, 20, 18, 3, 10, 2, 3);
        var input = new ForecastInput(Hotline, n, Orders(10, 16), City(2024, 2, 12, 10), "2024-02", Seed: 42);
        var a = Forecasts.Simulate(input)!;
        var b = Forecasts.Simulate(input)!;
        Assert.Equal((a.ExpectedScore, a.Low, a.High, a.ExpectedGrade), (b.ExpectedScore, b.Low, b.High, b.ExpectedGrade));
        var pa = a.Probabilities!;
        Assert.Equal(pa.OrderBy(p => p.Key), b.Probabilities!.OrderBy(p => p.Key));
        Assert.Equal(1.0, pa.Values.Sum(), 9);
        Assert.True(a.Low <= a.ExpectedScore && a.ExpectedScore <= a.High);
        Assert.True(a.Low < a.High, "an open month is uncertain");
        Assert.Equal(pa.MaxBy(p => p.Value).Key, a.ExpectedGrade);
    }

    [Fact]
    public void Open_orders_past_their_deadline_forecast_lower_than_the_same_orders_with_time_left()
    {
        var n = new AssessmentCounts(40, 20, 20, 0, 10, 0, 0);
        var now = City(2024, 2, 15, 12);
        var late = Forecasts.Simulate(new ForecastInput(Hotline, n, Orders(20, 13), now, "2024-02"))!;
        var inTime = Forecasts.Simulate(new ForecastInput(Hotline, n, Orders(20, 26), now, "2024-02"))!;
        // 20 of 40 orders late cost 15 points on the on-time term, diluted by the month's expected new orders.
        Assert.True(late.ExpectedScore < inTime.ExpectedScore - 3, $"{late.ExpectedScore} vs {inTime.ExpectedScore}");
        Assert.True(late.Probabilities![Grade.A] < inTime.Probabilities![Grade.A]);
    }

    [Fact]
    public void A_big_units_live_forecast_uses_fewer_draws_and_stays_close_to_the_full_one()
    {
        Assert.Equal(2000, Forecasts.DrawsFor(0));
        Assert.Equal(2000, Forecasts.DrawsFor(200));
        Assert.Equal(400, Forecasts.DrawsFor(1000));
        Assert.Equal(200, Forecasts.DrawsFor(100_000));
        Assert.True(Forecasts.DrawsFor(1500) * 1500 <= Forecasts.OrderDrawBudget);

        // 岳阳楼区-sized: 2,681 orders due, 1,500 still open mid-month.
        var n = new AssessmentCounts(2681, 1181, 1100, 40, 600, 100, 60);
        var input = new ForecastInput(Hotline, n, Orders(1500, 26), City(2024, 2, 15, 12), "2024-02", Seed: 7);
        var full = Forecasts.Simulate(input)!;
        var budgeted = Forecasts.Simulate(input with { Draws = Forecasts.DrawsFor(1500) })!;
        Assert.Equal(266, Forecasts.DrawsFor(1500));
        Assert.InRange(budgeted.ExpectedScore, full.ExpectedScore - 0.5m, full.ExpectedScore + 0.5m);
        Assert.Equal(full.ExpectedGrade, budgeted.ExpectedGrade);
    }

    [Fact]
    public void The_cheap_league_forecast_gives_a_grade_from_counts_alone()
    {
        Assert.Null(Forecasts.Expected(Hotline, default, 0));
        Assert.Equal(Grade.A, Forecasts.Expected(Hotline, new AssessmentCounts(10, 10, 10, 0, 5, 0, 0), 0)!.ExpectedGrade);
        Assert.Equal(Grade.E, Forecasts.Expected(Hotline, new AssessmentCounts(9, 6, 6, 25, 6, 0, 3), 0)!.ExpectedGrade);
    }
}

public sealed class WhatIfTests
{
    private const AssessmentChannel Hotline = AssessmentChannel.Hotline;

    [Fact]
    public void Industry_bureau_B_86_3_can_absorb_three_dissatisfied_one_late_one_rework_and_needs_ten_for_A()
    {
        // 市工信局 hotline, February 2024: due 27, handled 26, on time 26, rework 2, 12 of 24 follow-ups dissatisfied.
        // k more dissatisfied: 76.296 + 20·12/(24+k) ≥ 84.95 ⇔ k ≤ 3.73 (k=3: 85.2 B; k=4: 84.9 C).
        // One more rework costs 20/27 = 0.74 (85.6 B; two: 84.8 C). One more late order: 85.4 B; two: 84.5 C.
        // Ten more on-time orders with a satisfied follow-up: 90.2 A; nine: 89.9, still B.
        var m = WhatIf.For(Hotline, new AssessmentCounts(27, 26, 26, 2, 12, 0, 12))!;
        Assert.Equal((Grade.B, 86.3m), (m.Grade, m.Score));
        Assert.Equal(3, m.DissatisfiedAbsorbable);
        Assert.Equal(1, m.ReworkAbsorbable);
        Assert.Equal(1, m.LateAbsorbable);
        Assert.Equal(Grade.A, m.NextGrade);
        Assert.Equal(10, m.OnTimeRepliesToNext);
    }

    [Fact]
    public void State_assets_E_has_nothing_to_lose_and_needs_ten_perfect_orders_for_D()
    {
        // 市国资委 hotline: 9 due, 6 on time, 25 rework, 3 of 9 dissatisfied: 17.8, E.
        // Score after k perfect orders = (60k − 200)/(9+k) + 40: k=9 58.9 (E), k=10 61.1 (D).
        var m = WhatIf.For(Hotline, new AssessmentCounts(9, 6, 6, 25, 6, 0, 3))!;
        Assert.Equal((Grade.E, 17.8m), (m.Grade, m.Score));
        Assert.Null(m.DissatisfiedAbsorbable);
        Assert.Null(m.ReworkAbsorbable);
        Assert.Equal(Grade.D, m.NextGrade);
        Assert.Equal(10, m.OnTimeRepliesToNext);
    }

    [Fact]
    public void Open_orders_rank_by_what_replying_now_is_worth()
    {
        var n = new AssessmentCounts(20, 10, 10, 0, 5, 0, 0);
        var now = TestSupport.City(2024, 2, 15, 12);
        var d = TestSupport.City(2024, 2, 5, 9);
        var ranked = WhatIf.RankOpen(n,
        [
            new OpenOrderRef("FRESH", new OpenOrder(now.AddHours(-1), TestSupport.City(2024, 2, 27, 23))),
            new OpenOrderRef("DUE-SOON", new OpenOrder(d, now.AddHours(2))),
            new OpenOrderRef("LATE", new OpenOrder(d, now.AddDays(-3))),
        ], now, "2024-02");
        // Near its deadline the on-time term (30/20 = 1.5 points) is almost lost; a fresh order will most likely be on
        // time anyway; past its deadline the on-time point is gone and, two weeks before month end, it will be handled.
        Assert.Equal(["DUE-SOON", "FRESH", "LATE"], ranked.Select(r => r.TicketId));
        Assert.InRange(ranked[0].Points, 0.5m, 1.5m);
        Assert.InRange(ranked[1].Points, 0m, 0.3m);
        Assert.InRange(ranked[2].Points, 0m, 0.01m);
        // After the month nothing a reply does counts this month.
        Assert.DoesNotContain(WhatIf.RankOpen(n, [new OpenOrderRef("X", new OpenOrder(d, now))], TestSupport.City(2024, 3, 1, 1), "2024-02"), r => r.Points > 0);
    }
}
