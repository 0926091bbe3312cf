namespace Hotline.Ops.Domain;

/// <summary>
/// Counts of one city hour (city time). Received, Answered and Dispatched are the hotline platform's (calls, the
/// enterprise and deputies lines), as the bulletin's headline counts them; letters (mailbox, WeChat, web, provincial)
/// are counted apart, as the bulletin's mailbox section does.
/// </summary>
public sealed class HourCounts
{
    public int Received { get; set; }
    public int Answered { get; set; }
    public int Dispatched { get; set; }
    public int Replied { get; set; }
    public int LettersReceived { get; set; }
    public int LettersAnswered { get; set; }
    public int LettersDispatched { get; set; }
    public Dictionary<string, int> ByCategory { get; set; } = [];
    public Dictionary<string, int> ByChannel { get; set; } = [];
    public Dictionary<string, int> ByTag { get; set; } = [];

    /// <summary>Adds <paramref name="o"/>'s counts (<paramref name="sign"/> −1: takes them out; a count back at zero is removed).</summary>
    public void Add(HourCounts o, int sign = 1)
    {
        Received += sign * o.Received; Answered += sign * o.Answered; Dispatched += sign * o.Dispatched; Replied += sign * o.Replied;
        LettersReceived += sign * o.LettersReceived; LettersAnswered += sign * o.LettersAnswered; LettersDispatched += sign * o.LettersDispatched;
        KeyCounts.Add(ByCategory, o.ByCategory, sign); KeyCounts.Add(ByChannel, o.ByChannel, sign); KeyCounts.Add(ByTag, o.ByTag, sign);
    }

    /// <summary>Nothing counted (a method, not a property, so stored hours do not carry it).</summary>
    public bool IsZero() => Received == 0 && Answered == 0 && Dispatched == 0 && Replied == 0 && LettersReceived == 0
        && LettersAnswered == 0 && LettersDispatched == 0 && ByCategory.Count == 0 && ByChannel.Count == 0 && ByTag.Count == 0;
}

/// <summary>Counts by key (category, channel, tag, hour…), as the aggregates merge them.</summary>
internal static class KeyCounts
{
    /// <summary>Adds <paramref name="from"/>'s counts to <paramref name="into"/> (<paramref name="sign"/> −1: takes them
    /// out); a count back at zero is removed, so a delta taken back out leaves no key behind.</summary>
    public static void Add(Dictionary<string, int> into, Dictionary<string, int> from, int sign)
    {
        foreach (var (k, v) in from)
        {
            var n = into.GetValueOrDefault(k) + sign * v;
            if (n == 0) into.Remove(k); else into[k] = n;
        }
    }
}

/// <summary>
/// City-wide activity in hour buckets, keyed "yyyy-MM-ddTHH" in city time. A ticket's accepted event adds to the
/// bucket of its event time; silos pre-aggregate buckets and merge them into the city's, so no grain sees every event.
/// </summary>
public sealed class ActivityBuckets
{
    public Dictionary<string, HourCounts> Hours { get; set; } = [];

    public static string HourKey(DateTimeOffset t) => CityTime.ToCity(t).ToString("yyyy-MM-dd'T'HH", System.Globalization.CultureInfo.InvariantCulture);

    public bool IsEmpty => Hours.Count == 0;

    /// <summary>Counts one accepted ticket event.</summary>
    public void Record(TicketEventType type, DateTimeOffset at, RequestChannel channel, string? category, IEnumerable<string> tags)
    {
        if (type is not (TicketEventType.Received or TicketEventType.Answered or TicketEventType.Dispatched or TicketEventType.Replied)) return;
        var key = HourKey(at);
        if (!Hours.TryGetValue(key, out var h)) Hours[key] = h = new HourCounts();
        var letter = Channels.AssessedAs(channel) == AssessmentChannel.Mailbox;
        switch (type)
        {
            case TicketEventType.Received:
                if (letter) h.LettersReceived++; else h.Received++;
                h.ByCategory[category ?? "other"] = h.ByCategory.GetValueOrDefault(category ?? "other") + 1;
                var ch = Channels.Wire(channel);
                h.ByChannel[ch] = h.ByChannel.GetValueOrDefault(ch) + 1;
                foreach (var t in tags) h.ByTag[t] = h.ByTag.GetValueOrDefault(t) + 1;
                break;
            case TicketEventType.Answered: if (letter) h.LettersAnswered++; else h.Answered++; break;
            case TicketEventType.Dispatched: if (letter) h.LettersDispatched++; else h.Dispatched++; break;
            case TicketEventType.Replied: h.Replied++; break;
        }
    }

    /// <summary>Adds <paramref name="other"/>'s buckets (<paramref name="sign"/> −1: takes them out; an hour back at zero is removed).</summary>
    public void Merge(ActivityBuckets other, int sign = 1)
    {
        foreach (var (k, v) in other.Hours)
        {
            if (!Hours.TryGetValue(k, out var h)) Hours[k] = h = new HourCounts();
            h.Add(v, sign);
            if (sign < 0 && h.IsZero()) Hours.Remove(k);
        }
    }

    /// <summary>Sum of the buckets whose hour starts in [from, to).</summary>
    public HourCounts Sum(DateTimeOffset from, DateTimeOffset to)
    {
        // Walk the hours of the range and look each up: the cost follows the range, not the city's whole history
        // (the wall asks for today, the month and seven past days every second).
        var total = new HourCounts();
        var local = CityTime.ToCity(from);
        var hour = new DateTimeOffset(local.Date.AddHours(local.Hour), CityTime.Offset);
        if (hour < from) hour = hour.AddHours(1);
        for (; hour < to; hour = hour.AddHours(1))
            if (Hours.TryGetValue(HourKey(hour), out var v)) total.Add(v);
        return total;
    }

    public HourCounts Month(string month) => Sum(CityTime.StartOfDay(DateOnly.ParseExact(month + "-01", "yyyy-MM-dd")),
        CityTime.StartOfDay(DateOnly.ParseExact(month + "-01", "yyyy-MM-dd").AddMonths(1)));
}

/// <summary>
/// What an ordinary day looks like up to a given hour: the mean of the same span on the previous seven days where the
/// city has that history, else a default (Yueyang, February 2024: 72,201 requests and 21,163 orders in 29 days) spread
/// over the day by a typical hourly curve.
/// </summary>
public static class OrdinaryDay
{
    public const double DefaultRequestsPerDay = 72_201 / 29.0;
    public const double DefaultOrdersPerDay = 21_163 / 29.0;

    /// <summary>Share of a day's requests in each hour 0–23: quiet nights, peaks 9–11 and 14–17.</summary>
    public static readonly double[] HourlyShare = Normalise([0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 1.2, 2.8, 5.2, 7.4, 7.8, 7.2, 5.2, 5.0, 6.8, 7.2, 7.0, 6.4, 4.6, 4.0, 3.6, 2.9, 2.0, 1.2]);

    private static double[] Normalise(double[] w) { var s = w.Sum(); return w.Select(x => x / s).ToArray(); }

    /// <summary>Expected (requests, orders) from the start of the day to <paramref name="now"/> on an ordinary day.</summary>
    public static (double Requests, double Orders) UpTo(DateTimeOffset now, ActivityBuckets history)
    {
        var local = CityTime.ToCity(now);
        var dayStart = CityTime.StartOfDay(CityTime.Date(now));
        var elapsed = now - dayStart;
        var days = Enumerable.Range(1, 7).Select(d => dayStart.AddDays(-d)).Where(d => history.Hours.ContainsKey(ActivityBuckets.HourKey(d.AddHours(12)))).ToList();
        if (days.Count >= 3)
        {
            var sums = days.Select(d => history.Sum(d, d + TimeSpan.FromHours(Math.Ceiling(elapsed.TotalHours)))).ToList();
            var frac = local.Minute / 60.0 + local.Second / 3600.0;
            // Whole past hours plus the running share of the current one.
            double Mean(Func<HourCounts, int> f) => sums.Average(f) - (1 - frac) * days.Average(d => (double)f(history.Sum(d + TimeSpan.FromHours(local.Hour), d + TimeSpan.FromHours(local.Hour + 1))));
            return (Mean(h => h.Received), Mean(h => h.Dispatched));
        }
        var share = 0.0;
        for (var h = 0; h < local.Hour; h++) share += HourlyShare[h];
        share += HourlyShare[local.Hour] * (local.Minute / 60.0 + local.Second / 3600.0);
        return (DefaultRequestsPerDay * share, DefaultOrdersPerDay * share);
    }
}
