namespace Hotline.Ops.Domain;

/// <summary>
/// What a unit's table can take and keep its grade, and what the next better grade takes, from its counts now.
/// Null margins mean "no limit" (already the lowest grade) or "out of reach" (more than <see cref="WhatIf.Cap"/>).
/// </summary>
public sealed record WhatIfMargins(
    Grade Grade,
    decimal Score,
    /// <summary>More follow-ups, each dissatisfied (mailbox: not satisfied), the grade survives.</summary>
    int? DissatisfiedAbsorbable,
    /// <summary>More due orders replied late (handled by month end, not on time) the grade survives.</summary>
    int? LateAbsorbable,
    /// <summary>More rework orders (返工) on its orders the grade survives.</summary>
    int? ReworkAbsorbable,
    /// <summary>The next better grade, or null at A.</summary>
    Grade? NextGrade,
    /// <summary>More orders replied on time with a satisfied follow-up needed to reach it.</summary>
    int? OnTimeRepliesToNext);

/// <summary>An open order and how many points of the expected score replying to it now is worth.</summary>
public sealed record OrderImpact(string TicketId, DateTimeOffset Deadline, decimal Points);

/// <summary>An open order as the impact ranking sees it.</summary>
public readonly record struct OpenOrderRef(string TicketId, OpenOrder Order);

public static class WhatIf
{
    public const int Cap = 100_000;

    public static WhatIfMargins? For(AssessmentChannel channel, AssessmentCounts n, GradeBounds? bounds = null)
    {
        bounds ??= GradeBounds.Default;
        if (Scoring.Score(channel, n) is not { } score) return null;
        var grade = bounds.GradeOf(score);
        var floor = bounds.LowerBound(grade);
        bool Keeps(AssessmentCounts c) => Scoring.Score(channel, c) >= floor;
        int? Absorb(Func<int, AssessmentCounts> more) => grade == Grade.E ? null : LargestKeeping(k => Keeps(more(k)));
        Grade? next = grade == Grade.A ? null : grade - 1;
        int? toNext = next is { } g
            ? SmallestReaching(k => Scoring.Score(channel, n + new AssessmentCounts(k, k, k, 0, k, 0, 0)) >= bounds.LowerBound(g))
            : null;
        return new WhatIfMargins(grade, score,
            Absorb(k => n + new AssessmentCounts(0, 0, 0, 0, 0, 0, k)),
            Absorb(k => n + new AssessmentCounts(k, k, 0, 0, 0, 0, 0)),
            Absorb(k => n + new AssessmentCounts(0, 0, 0, k, 0, 0, 0)),
            next, toNext);
    }

    /// <summary>
    /// Open orders by what replying now is worth: each is 30/due on the on-time term and 30/due on the handled term,
    /// times the chance the forecast gives of losing it (an order near or past its deadline is worth the most until
    /// its on-time part is gone; then only the handled part remains, at risk as month end nears).
    /// </summary>
    public static IReadOnlyList<OrderImpact> RankOpen(AssessmentCounts n, IEnumerable<OpenOrderRef> open, DateTimeOffset now, string month, int max = 20)
    {
        if (n.Due <= 0 || max <= 0) return [];
        var monthEnd = CityTime.EndOfMonth(month);
        var pOnTime = Forecasts.OnTimeRate(n);
        var term = 30.0 / n.Due;
        // Only the best max are kept as the orders are scored (a ledger ranks thousands each second: profiled, making
        // and sorting an impact for every open order was the scorecard's main allocation).
        var best = new List<(decimal Points, DateTimeOffset Deadline, DateTimeOffset DispatchedAt, string TicketId)>(max + 1);
        // Below this an order's points, once rounded, are under the last kept: it is passed over before the decimal.
        var cutoff = double.NegativeInfinity;
        foreach (var o in open)
        {
            var total = (o.Order.Deadline - o.Order.DispatchedAt).TotalSeconds;
            var f = now >= o.Order.Deadline ? 1 : total <= 0 ? 0 : Math.Clamp((now - o.Order.DispatchedAt).TotalSeconds / total, 0, 1);
            var still = Forecasts.StillOnTime(pOnTime, f);
            var from = now > o.Order.Deadline ? now : o.Order.Deadline;
            var handled = now >= monthEnd ? 0 : still + (1 - still) * Forecasts.LateReplyByMonthEnd((monthEnd - from).TotalDays);
            // Past its deadline the on-time point is already lost: a reply now saves only the handled term.
            var onTimeGain = now >= o.Order.Deadline ? 0 : term * (1 - still);
            var points = now >= monthEnd ? 0 : onTimeGain + term * (1 - handled);
            if (points < cutoff) continue;
            var candidate = (Math.Round((decimal)points, 3), o.Order.Deadline, o.Order.DispatchedAt, o.TicketId);
            if (best.Count == max && ByImpact(candidate, best[^1]) >= 0) continue;
            var at = best.BinarySearch(candidate, ImpactOrder);
            best.Insert(at < 0 ? ~at : at, candidate);
            if (best.Count > max) best.RemoveAt(max);
            if (best.Count == max) cutoff = (double)best[^1].Points - 0.0006;
        }
        return [.. best.Select(b => new OrderImpact(b.TicketId, b.Deadline, b.Points))];
    }

    private static readonly IComparer<(decimal Points, DateTimeOffset Deadline, DateTimeOffset DispatchedAt, string TicketId)> ImpactOrder =
        Comparer<(decimal, DateTimeOffset, DateTimeOffset, string)>.Create(ByImpact);

    /// <summary>
    /// Most points first, then the earlier deadline, then the order waiting longer (dispatched earlier), then the ticket
    /// id. Orders of one day share a deadline and round to the same points: profiled, breaking those ties by ticket id
    /// first was most of the ranking's cost (a string compare per open order, each id elsewhere in memory).
    /// </summary>
    private static int ByImpact((decimal Points, DateTimeOffset Deadline, DateTimeOffset DispatchedAt, string TicketId) x,
        (decimal Points, DateTimeOffset Deadline, DateTimeOffset DispatchedAt, string TicketId) y)
    {
        var c = y.Points.CompareTo(x.Points);
        if (c == 0) c = x.Deadline.CompareTo(y.Deadline);
        if (c == 0) c = x.DispatchedAt.CompareTo(y.DispatchedAt);
        return c != 0 ? c : string.CompareOrdinal(x.TicketId, y.TicketId);
    }

    /// <summary>The largest k in [0, Cap] with keeps(k), keeps being true at 0 and monotone; null when it holds at Cap.</summary>
    private static int? LargestKeeping(Func<int, bool> keeps)
    {
        if (keeps(Cap)) return null;
        int lo = 0, hi = Cap; // keeps(lo), !keeps(hi)
        while (hi - lo > 1)
        {
            var mid = lo + (hi - lo) / 2;
            if (keeps(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }

    private static int? SmallestReaching(Func<int, bool> reaches)
    {
        if (!reaches(Cap)) return null;
        int lo = 0, hi = Cap; // !reaches(lo), reaches(hi)
        if (reaches(0)) return 0;
        while (hi - lo > 1)
        {
            var mid = lo + (hi - lo) / 2;
            if (reaches(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }
}
