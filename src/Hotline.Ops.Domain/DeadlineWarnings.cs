namespace Hotline.Ops.Domain;

/// <summary>The warnings an open order gets as its deadline nears, in the order they are sent.</summary>
public enum WarningKind { DueSoon = 1, DueToday = 2, Overdue = 3 }

/// <summary>
/// When an open order's warnings fall due: dueSoon once 75 % of its time is used, dueToday at the start of the
/// deadline's day (city time), overdue when the deadline has passed. They are sent in that order and each once: a
/// later one never goes out before an earlier one.
/// </summary>
public static class DeadlineWarnings
{
    public const double DueSoonShare = 0.75;

    public static DateTimeOffset TimeOf(WarningKind kind, DateTimeOffset dispatchedAt, DateTimeOffset deadline) => kind switch
    {
        WarningKind.DueSoon => dispatchedAt + (deadline - dispatchedAt) * DueSoonShare,
        WarningKind.DueToday => CityTime.StartOfDay(CityTime.Date(deadline)),
        _ => deadline.AddTicks(1),
    };

    /// <summary>The next warning after <paramref name="sent"/> (the last one sent; 0 for none), or null when all went out.</summary>
    public static WarningKind? Next(int sent) => sent >= (int)WarningKind.Overdue ? null : (WarningKind)(sent + 1);

    /// <summary>The earliest time at which a warning after <paramref name="sent"/> falls due, or null when all went out.</summary>
    public static DateTimeOffset? NextTime(int sent, DateTimeOffset dispatchedAt, DateTimeOffset deadline)
    {
        DateTimeOffset? next = null;
        for (var k = sent + 1; k <= (int)WarningKind.Overdue; k++)
        {
            var t = TimeOf((WarningKind)k, dispatchedAt, deadline);
            if (next is null || t < next) next = t;
        }
        return next;
    }

    /// <summary>The warnings due at <paramref name="now"/> after <paramref name="sent"/>, in order.</summary>
    public static IEnumerable<WarningKind> DueAt(DateTimeOffset now, int sent, DateTimeOffset dispatchedAt, DateTimeOffset deadline)
    {
        // All kinds whose time has passed go out, earlier kinds first, even if an earlier kind's own time is later
        // (a 2-hour urgent order reaches "due today" before 75 % of its time is used).
        var latestDue = 0;
        for (var k = WarningKind.DueSoon; k <= WarningKind.Overdue; k++)
            if (TimeOf(k, dispatchedAt, deadline) <= now) latestDue = (int)k;
        for (var k = sent + 1; k <= latestDue; k++) yield return (WarningKind)k;
    }

    public static string Wire(WarningKind k) => k switch { WarningKind.DueSoon => "dueSoon", WarningKind.DueToday => "dueToday", _ => "overdue" };
}
