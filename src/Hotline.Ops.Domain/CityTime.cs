namespace Hotline.Ops.Domain;

/// <summary>The city's civil time (China Standard Time, UTC+8, no daylight saving) and assessment months.</summary>
public static class CityTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateTimeOffset ToCity(DateTimeOffset t) => t.ToOffset(Offset);

    public static DateOnly Date(DateTimeOffset t) => DateOnly.FromDateTime(ToCity(t).DateTime);

    /// <summary>Assessment month key, "YYYY-MM", of an instant in city time.</summary>
    public static string MonthOf(DateTimeOffset t)
    {
        // One string per month, made once: every assessed order carries its month, and one formatted per event was an
        // allocation on the event path and one more object per resident order (bench/FINDINGS.md item 26).
        var c = ToCity(t);
        var index = c.Year * 12 + c.Month - 1;
        return MonthKeys.TryGetValue(index, out var key) ? key
            : index is >= 1900 * 12 and < 2200 * 12 ? MonthKeys.GetOrAdd(index, static (_, city) => Format(city), c) : Format(c);

        static string Format(DateTimeOffset city) => city.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> MonthKeys = new();

    public static DateTimeOffset StartOfDay(DateOnly d) => new(d.ToDateTime(TimeOnly.MinValue), Offset);

    /// <summary>The last instant of a city day (a deadline "at the end of" that day).</summary>
    public static DateTimeOffset EndOfDay(DateOnly d) => StartOfDay(d.AddDays(1)).AddTicks(-TimeSpan.TicksPerSecond);

    public static bool TryParseMonth(string? month, out DateOnly first)
    {
        first = default;
        if (month is null || month.Length != 7 || month[4] != '-') return false;
        if (!int.TryParse(month.AsSpan(0, 4), out var y) || !int.TryParse(month.AsSpan(5, 2), out var m)) return false;
        if (y < 2000 || y > 2100 || m < 1 || m > 12) return false;
        first = new DateOnly(y, m, 1);
        return true;
    }

    /// <summary>The last instant of an assessment month in city time.</summary>
    public static DateTimeOffset EndOfMonth(string month)
    {
        if (!TryParseMonth(month, out var first)) throw new ArgumentException($"'{month}' is not a month (YYYY-MM).", nameof(month));
        return EndOfDay(first.AddMonths(1).AddDays(-1));
    }
}
