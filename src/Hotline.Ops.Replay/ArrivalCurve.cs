using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>
/// An arrival curve as weights per hour of city time; sampling picks an hour by weight, then a second in it.
/// Cumulative weights plus a binary search keep sampling O(log n).
/// </summary>
internal sealed class ArrivalCurve
{
    /// <summary>Relative calls per hour of the day: quiet at night, peaks 9–11 and 14–17.</summary>
    private static readonly double[] HourProfile =
        [0.12, 0.08, 0.06, 0.05, 0.06, 0.10, 0.25, 0.55, 1.10, 1.70, 1.80, 1.65, 1.05, 1.00, 1.55, 1.70, 1.65, 1.45, 0.95, 0.85, 0.75, 0.55, 0.35, 0.20];

    private readonly DateTimeOffset _start;
    private readonly double[] _cumulative;

    private ArrivalCurve(DateTimeOffset start, double[] hourly)
    {
        _start = start;
        _cumulative = new double[hourly.Length];
        double sum = 0;
        for (var i = 0; i < hourly.Length; i++) _cumulative[i] = sum += hourly[i];
        if (sum <= 0) throw new InvalidOperationException("An arrival curve needs some weight.");
    }

    /// <summary>Ordinary days from <paramref name="from"/> to <paramref name="to"/> inclusive; holidays are a lull.</summary>
    public static ArrivalCurve Baseline(DateOnly from, DateOnly to, WorkingCalendar calendar)
    {
        var days = to.DayNumber - from.DayNumber + 1;
        var w = new double[days * 24];
        for (var d = 0; d < days; d++)
        {
            var date = from.AddDays(d);
            var holiday = calendar.NameOf(date) is not null && !calendar.IsWorkingDay(date);
            // The Spring Festival and other holidays are a lull (people are home, fewer units work); weekends a bit less.
            var day = holiday ? 0.45 : calendar.IsWorkingDay(date) ? 1.0 : 0.75;
            for (var h = 0; h < 24; h++) w[d * 24 + h] = day * HourProfile[h];
        }
        return new ArrivalCurve(CityTime.StartOfDay(from), w);
    }

    /// <summary>
    /// The ice storm of early February 2024: from 06:00 on the 1st, heavy for about four and a half days (still with a
    /// day/night rhythm, less marked than usual), then fading out by the end of the 7th.
    /// </summary>
    public static ArrivalCurve IceStorm(DateOnly first)
    {
        var w = new double[7 * 24]; // 1–7 February
        for (var h = 0; h < w.Length; h++)
        {
            var diurnal = 0.35 + 0.65 * HourProfile[h % 24] / 1.8;
            double level = h switch
            {
                < 6 => 0,
                < 12 => (h - 5) / 7.0,
                < 108 => 1,
                _ => Math.Exp(-(h - 108) / 14.0),
            };
            w[h] = level * diurnal;
        }
        return new ArrivalCurve(CityTime.StartOfDay(first), w);
    }

    public DateTimeOffset Sample(Random rnd)
    {
        var u = rnd.NextDouble() * _cumulative[^1];
        var i = Array.BinarySearch(_cumulative, u);
        if (i < 0) i = ~i;
        if (i >= _cumulative.Length) i = _cumulative.Length - 1;
        return _start.AddHours(i).AddSeconds(rnd.Next(3600));
    }
}
