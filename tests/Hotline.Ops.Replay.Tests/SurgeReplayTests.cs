using Hotline.Ops.Domain;
using Xunit.Abstractions;

namespace Hotline.Ops.Replay.Tests;

/// <summary>
/// The surge detector on generated months, in the domain (no server): the February 2024 ice storm is detected within
/// 15 event minutes of its onset and ends after it; a calm month of the same volume raises at most one alert a day.
/// </summary>
public sealed class SurgeReplayTests(ITestOutputHelper output)
{
    /// <summary>Feeds the month's received events minute by minute, advancing the detector like the city aggregate.</summary>
    public static List<SurgeAlert> Detect(GeneratedMonth month)
    {
        // A new system switched on at the start of the month: the requests carried in from the month before (only the
        // orders still open) are not a history of ordinary days.
        var events = month.Events.Where(e => e.Type == "received" && e.At >= month.MonthStart).ToList();
        var detector = new SurgeDetector();
        var alerts = new List<SurgeAlert>();
        var pending = new MinuteBuckets();
        var scratch = new List<string>();
        long currentMinute = 0;
        foreach (var e in events)
        {
            if (e.Type != "received") continue;
            var m = MinuteBuckets.MinuteOf(e.At!.Value);
            if (m != currentMinute && !pending.IsEmpty)
            {
                detector.Add(pending);
                pending = new MinuteBuckets();
                alerts.AddRange(detector.Advance(e.At.Value));
            }
            currentMinute = m;
            pending.RecordReceived(e.At.Value, e.Category, e.District, e.Tags ?? [], e.Text, scratch);
        }
        detector.Add(pending);
        alerts.AddRange(detector.Advance(events[^1].At!.Value.AddHours(3)));
        return alerts;
    }

    [Fact]
    public void February_ice_storm_is_detected_within_15_minutes_and_ends_after_the_storm()
    {
        var month = MonthGenerator.Generate(ReplayTargets.February2024);
        var storm = month.Events.Where(e => e.Type == "received" && e.Tags?.Contains("ice-storm") == true).Select(e => e.At!.Value).Order().ToList();
        var onset = storm[0];
        var lastStorm = storm[^1];
        var alerts = Detect(month);
        foreach (var a in alerts.Where(a => a.Phase != SurgePhase.Update).Take(60)) output.WriteLine($"{a.At:MM-dd HH:mm} {a.Phase} {a.Key} c={a.Count} e={a.Baseline} z={a.Score} kw={string.Join(",", a.TopKeywords)}");
        var stormStart = alerts.First(a => a.Key == "tag:ice-storm" && a.Phase == SurgePhase.Start);
        var delay = stormStart.At - onset;
        output.WriteLine(string.Join(" ", storm.Take(12).Select(t => t.ToString("HH:mm"))));
        output.WriteLine($"onset {onset:MM-dd HH:mm}, first storm surge {stormStart.At:MM-dd HH:mm}: delay {delay.TotalMinutes} event minutes; last storm request {lastStorm:MM-dd HH:mm}");
        Assert.True(delay <= TimeSpan.FromMinutes(15), $"detected {delay.TotalMinutes} minutes after the onset");
        var end = alerts.Where(a => a.Key == "tag:ice-storm" && a.Phase == SurgePhase.End).Select(a => a.At).FirstOrDefault();
        output.WriteLine($"storm surge ended {end:MM-dd HH:mm}");
        // The storm's heavy phase is over by about 5 February noon, its tail fades through the 7th: the surge ends
        // after 95 % of the storm's requests have come in, and not before.
        var p95 = storm[(int)(storm.Count * 0.95)];
        output.WriteLine($"95 % of the storm's requests by {p95:MM-dd HH:mm}");
        Assert.True(end > p95, $"the storm surge ended at {end:O}, before the storm ({p95:O})");
        Assert.Contains(alerts, a => a.Key == "tag:ice-storm" && a.Proposal is not null);
    }

    [Fact]
    public void A_calm_month_of_the_same_volume_raises_at_most_one_alert_a_day()
    {
        var month = MonthGenerator.Generate(ReplayTargets.FromRows("2024-03", BulletinCsv.February2024));
        Assert.DoesNotContain(month.Events, e => e.Tags?.Length > 0);
        var alerts = Detect(month);
        var starts = alerts.Where(a => a.Phase == SurgePhase.Start).ToList();
        foreach (var a in starts.Take(40)) output.WriteLine($"{a.At:MM-dd HH:mm} {a.Key} c={a.Count} e={a.Baseline} z={a.Score}");
        var perDay = starts.GroupBy(a => CityTime.Date(a.At)).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{starts.Count} alerts in {month.Events.Select(e => CityTime.Date(e.At!.Value)).Distinct().Count()} days; worst day {perDay.Values.DefaultIfEmpty().Max()}");
        Assert.All(perDay, d => Assert.True(d.Value <= 1, $"{d.Value} alerts on {d.Key}"));
    }
}

