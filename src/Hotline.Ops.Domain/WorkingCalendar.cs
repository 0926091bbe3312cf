namespace Hotline.Ops.Domain;

/// <summary>
/// Working days in the city: Monday–Friday, less public holidays, plus make-up working days (调休上班) that fall on a
/// weekend. The holidays are data (Data/calendar-cn.csv), never code.
/// </summary>
public sealed class WorkingCalendar
{
    private readonly HashSet<DateOnly> _holidays = [];
    private readonly HashSet<DateOnly> _makeUpDays = [];
    private readonly Dictionary<DateOnly, string> _names = [];

    public DateOnly CoveredFrom { get; }
    public DateOnly CoveredTo { get; }

    public WorkingCalendar(IEnumerable<CalendarDay> days)
    {
        var list = days.ToList();
        foreach (var d in list)
        {
            (d.IsWorkingDay ? _makeUpDays : _holidays).Add(d.Date);
            _names[d.Date] = d.Name;
        }
        CoveredFrom = list.Count == 0 ? DateOnly.MinValue : new DateOnly(list.Min(d => d.Date).Year, 1, 1);
        CoveredTo = list.Count == 0 ? DateOnly.MaxValue : new DateOnly(list.Max(d => d.Date).Year, 12, 31);
    }

    private static WorkingCalendar? _china;

    /// <summary>The shipped calendar of Chinese public holidays and make-up days, 2024–2026.</summary>
    public static WorkingCalendar China => _china ??= new WorkingCalendar(Parse(EmbeddedData.Lines("calendar-cn.csv")));

    public static IEnumerable<CalendarDay> Parse(IReadOnlyList<string> lines)
    {
        foreach (var line in lines.Skip(1))
        {
            var f = Csv.Split(line);
            if (f.Length < 3 || !DateOnly.TryParse(f[0], System.Globalization.CultureInfo.InvariantCulture, out var date))
                throw new FormatException($"Bad calendar line: {line}");
            var working = f[1] switch
            {
                "holiday" => false,
                "workday" => true,
                _ => throw new FormatException($"Bad calendar day kind '{f[1]}' in: {line}"),
            };
            yield return new CalendarDay(date, working, f[2]);
        }
    }

    public bool IsWorkingDay(DateOnly d) =>
        _makeUpDays.Contains(d) || (!_holidays.Contains(d) && d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));

    public string? NameOf(DateOnly d) => _names.GetValueOrDefault(d);

    /// <summary>The n-th working day after <paramref name="from"/> (the day itself does not count).</summary>
    public DateOnly AddWorkingDays(DateOnly from, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var d = from;
        for (var left = n; left > 0;)
        {
            d = d.AddDays(1);
            if (IsWorkingDay(d)) left--;
        }
        return d;
    }

    /// <summary>Working days strictly after <paramref name="from"/> up to and including <paramref name="to"/>.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        var n = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
            if (IsWorkingDay(d)) n++;
        return n;
    }
}

public sealed record CalendarDay(DateOnly Date, bool IsWorkingDay, string Name);
