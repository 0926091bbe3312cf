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

    /// <summary>
    /// <paramref name="n"/> open orders of a unit mid-March 2024, dispatched at random instants since the 1st with the
    /// default deadlines (consultation, help, complaint; a few urgent), all due in March: many past their deadline,
    /// the rest spread through their time.
    /// </summary>
    private static List<OpenOrder> Spread(int n, DateTimeOffset now, int seed)
    {
        var rng = new Random(seed);
        var start = City(2024, 3, 1);
        var monthEnd = CityTime.EndOfMonth("2024-03");
        RequestType[] types = [RequestType.Consultation, RequestType.Help, RequestType.Complaint];
        var orders = new List<OpenOrder>(n);
        while (orders.Count < n)
        {
            var at = start + (now - start) * rng.NextDouble();
            var deadline = DeadlinePolicy.Default.HandlingDeadline(WorkingCalendar.China, at, types[rng.Next(types.Length)],
                rng.NextDouble() < 0.03 ? Urgency.Urgent : Urgency.Normal);
            if (deadline <= monthEnd) orders.Add(new OpenOrder(at, deadline));
        }
        return orders;
    }

    [Theory]
    [InlineData(1_500)]
    [InlineData(20_000)]
    public void A_big_units_forecast_takes_the_full_draws_and_agrees_with_the_per_order_model(int open)
    {
        // As many orders closed as open, 85.7 % of them on time, a third of the open ones overdue: the forecast sits
        // across the A/B bound, where a bias would show in the grade probabilities.
        var now = City(2024, 3, 15, 12);
        var closed = open;
        var n = new AssessmentCounts(open + closed, closed, closed * 857 / 1000, closed * 3 / 100, closed * 45 / 100, 0, closed * 5 / 100);
        var input = new ForecastInput(Hotline, n, Spread(open, now, seed: open), now, "2024-03", Seed: 7);
        Assert.Equal(2000, input.Draws);

        var grouped = Forecasts.Simulate(input)!;
        var perOrder = PerOrderForecast.Simulate(input);

        // Monte Carlo noise of the difference of two 2,000-draw means is √2·σ/√2000 (σ from the 10–90 % interval);
        // four of those, plus the score's printed rounding (0.1 twice).
        var sigma = (double)(perOrder.High - perOrder.Low) / 2.563;
        var tolerance = (decimal)(4 * Math.Sqrt(2.0 / 2000) * sigma) + 0.2m;
        Assert.InRange(grouped.ExpectedScore, perOrder.ExpectedScore - tolerance, perOrder.ExpectedScore + tolerance);
        Assert.InRange(grouped.Low, perOrder.Low - 2 * tolerance, perOrder.Low + 2 * tolerance);
        Assert.InRange(grouped.High, perOrder.High - 2 * tolerance, perOrder.High + 2 * tolerance);
        Assert.True(perOrder.Probabilities!.Count(p => p.Value > 0.05) >= 2, "the case straddles a grade bound");
        foreach (var g in Enum.GetValues<Grade>())
        {
            var p = perOrder.Probabilities![g];
            // Four standard errors of the difference of two 2,000-draw frequencies, and at least 0.02.
            Assert.InRange(grouped.Probabilities![g], p - Math.Max(0.02, 4 * Math.Sqrt(2 * p * (1 - p) / 2000)), p + Math.Max(0.02, 4 * Math.Sqrt(2 * p * (1 - p) / 2000)));
            // Every probability is a count of the 2,000 draws: the full draws were taken.
            Assert.Equal(Math.Round(grouped.Probabilities[g] * 2000), grouped.Probabilities[g] * 2000, 6);
        }
    }

    [Fact]
    public void Open_orders_are_grouped_by_time_through_and_late_reply_chance_and_their_order_does_not_matter()
    {
        var now = City(2024, 3, 15, 12);
        var monthEnd = CityTime.EndOfMonth("2024-03");
        var fresh = new OpenOrder(now.AddHours(-1), City(2024, 3, 29, 23, 59, 59));
        var nearlyFresh = new OpenOrder(now.AddHours(-1).AddSeconds(-1), City(2024, 3, 29, 23, 59, 59)); // same cells
        var overdue = new OpenOrder(City(2024, 3, 1, 9), City(2024, 3, 5, 23, 59, 59));
        var overdueToo = new OpenOrder(City(2024, 3, 4, 9), City(2024, 3, 8, 23, 59, 59)); // late the same: from now
        var dueAfterMonth = new OpenOrder(now.AddHours(-1), City(2024, 4, 2, 23, 59, 59)); // no late reply can count
        var groups = Forecasts.Group([fresh, overdue, nearlyFresh, overdueToo, dueAfterMonth, fresh], now, monthEnd);
        Assert.Equal([3, 2, 1], groups.Select(g => g.Count).OrderDescending());
        var late = groups.Single(g => g.Count == 2);
        Assert.Equal(1, late.Fraction);
        Assert.Equal(1 - Math.Exp(-(monthEnd - now).TotalDays / 2), late.LateByMonthEnd, 12);
        var early = groups.Single(g => g.Count == 3);
        Assert.InRange(early.Fraction, 0, 1.0 / Forecasts.GroupGrid);
        Assert.Equal(1 - Math.Exp(-(monthEnd - fresh.Deadline).TotalDays / 2), early.LateByMonthEnd, 12);
        Assert.Equal(0, groups.Single(g => g.Count == 1).LateByMonthEnd);

        // Shuffled, the same orders give the same forecast.
        var orders = Spread(3_000, now, seed: 5);
        var n = new AssessmentCounts(6_000, 3_000, 2_700, 90, 1_400, 0, 120);
        var a = Forecasts.Simulate(new ForecastInput(Hotline, n, orders, now, "2024-03", Seed: 9))!;
        var b = Forecasts.Simulate(new ForecastInput(Hotline, n, orders.OrderBy(o => o.Deadline).ThenByDescending(o => o.DispatchedAt).ToList(), now, "2024-03", Seed: 9))!;
        Assert.Equal((a.ExpectedScore, a.Low, a.High), (b.ExpectedScore, b.Low, b.High));
        Assert.Equal(a.Probabilities!.OrderBy(p => p.Key), b.Probabilities!.OrderBy(p => p.Key));
    }

    [Fact]
    public void The_cheap_league_forecast_gives_a_grade_from_counts_alone()
    {
        Assert.Null(Forecasts.Expected(Hotline, default, 0));
        Assert.Equal(Grade.A, Forecasts.Expected(Hotline, new AssessmentCounts(10, 10, 10, 0, 5, 0, 0), 0)!.ExpectedGrade);
        Assert.Equal(Grade.E, Forecasts.Expected(Hotline, new AssessmentCounts(9, 6, 6, 25, 6, 0, 3), 0)!.ExpectedGrade);
    }

    [Fact]
    public void The_league_fallback_takes_millions_of_open_orders_as_fresh()
    {
        // Ten million due, ten handled so far (all on time, satisfied): without the open orders it is an E; with them
        // fresh, nearly all will be replied on time.
        var n = new AssessmentCounts(10_000_010, 10, 10, 0, 10, 0, 0);
        Assert.Equal(Grade.E, Forecasts.Expected(Hotline, n, 0)!.ExpectedGrade);
        var f = Forecasts.Expected(Hotline, n, 10_000_000)!;
        Assert.Equal(Grade.A, f.ExpectedGrade);
        Assert.InRange(f.ExpectedScore, 90m, 100m);
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

    [Theory]
    [InlineData(20)]
    [InlineData(1)]
    [InlineData(5000)]
    public void The_ranking_keeps_the_same_orders_as_sorting_them_all(int max)
    {
        // 3,000 orders on a few deadlines and dispatch times, so many tie on points and deadline and only the dispatch
        // time, then the ticket id, orders them: the best max must be exactly the head of the full ordering.
        var n = new AssessmentCounts(200, 120, 110, 0, 90, 0, 0);
        var now = TestSupport.City(2024, 2, 15, 12);
        var random = new Random(7);
        var open = Enumerable.Range(0, 3000).Select(i =>
        {
            var dispatched = now.AddHours(-random.Next(1, 50));
            return new OpenOrderRef($"T{random.Next(100_000):00000}-{i}", new OpenOrder(dispatched, now.AddHours(random.Next(-72, 240) / 24 * 24)));
        }).ToList();
        var all = WhatIf.RankOpen(n, open, now, "2024-02", max: open.Count);
        Assert.Equal(open.Count, all.Count);
        var dispatched = open.ToDictionary(o => o.TicketId, o => o.Order.DispatchedAt);
        var sorted = all.OrderByDescending(o => o.Points).ThenBy(o => o.Deadline).ThenBy(o => dispatched[o.TicketId])
            .ThenBy(o => o.TicketId, StringComparer.Ordinal).ToList();
        Assert.Equal(sorted, all);
        Assert.True(all.Select(o => (o.Points, o.Deadline)).Distinct().Count() < open.Count / 10, "the data should tie a lot");
        Assert.True(all.GroupBy(o => (o.Points, o.Deadline, dispatched[o.TicketId])).Count(g => g.Count() > 1) > 100, "ties left to the ticket id");
        Assert.Equal(sorted.Take(max), WhatIf.RankOpen(n, open, now, "2024-02", max));
        Assert.Equal(sorted.Take(max), WhatIf.RankOpen(n, Enumerable.Reverse(open), now, "2024-02", max));
    }
}
