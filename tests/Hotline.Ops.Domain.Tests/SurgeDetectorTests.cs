using Hotline.Ops.Domain;
using static Hotline.Ops.Domain.Tests.TestSupport;

namespace Hotline.Ops.Domain.Tests;

public sealed class SurgeDetectorTests
{
    /// <summary>Feeds a series minute by minute: counts(minute index from start) → (key → count).</summary>
    private static List<SurgeAlert> Run(SurgeDetector d, DateTimeOffset start, int minutes, Func<int, IEnumerable<(string Key, int Count)>> counts)
    {
        var alerts = new List<SurgeAlert>();
        for (var i = 0; i < minutes; i++)
        {
            var at = start.AddMinutes(i);
            var b = new MinuteBuckets();
            foreach (var (k, n) in counts(i)) if (n > 0) b.Add(MinuteBuckets.MinuteOf(at), k, n);
            d.Add(b);
            alerts.AddRange(d.Advance(at.AddMinutes(1)));
        }
        return alerts;
    }

    private static int Poisson(Random r, double lambda)
    {
        var l = Math.Exp(-lambda);
        var k = 0;
        for (var p = r.NextDouble(); p > l; p *= r.NextDouble()) k++;
        return k;
    }

    /// <summary>The city's ordinary minute: every category at its share of the default daily volume.</summary>
    private static IEnumerable<(string, int)> Ordinary(Random r, DateTimeOffset at)
    {
        var perMinute = OrdinaryDay.DefaultRequestsPerDay * OrdinaryDay.HourlyShare[CityTime.ToCity(at).Hour] / 60;
        foreach (var c in Categories.All) yield return ("category:" + c.Id, Poisson(r, perMinute * c.Share));
        yield return ("keyword:停电", Poisson(r, perMinute * 0.005));
    }

    [Fact]
    public void A_step_surge_is_detected_within_15_minutes_and_ends_after_it()
    {
        var r = new Random(1);
        var start = City(2024, 3, 4);
        var stepFrom = 2 * 24 * 60 + 9 * 60; // day 3, 09:00
        var stepTo = stepFrom + 4 * 60;
        var alerts = Run(new SurgeDetector(), start, 4 * 24 * 60, i =>
        {
            var at = start.AddMinutes(i);
            var extra = i >= stepFrom && i < stepTo ? Poisson(r, 1.0) : 0; // +60 an hour of power cuts
            return Ordinary(r, at).Select(x => x.Item1 == "keyword:停电" ? (x.Item1, x.Item2 + extra) : x);
        });
        var s = alerts.Where(a => a.Key == "keyword:停电").ToList();
        var first = s.First(a => a.Phase == SurgePhase.Start);
        Assert.InRange(first.At, start.AddMinutes(stepFrom), start.AddMinutes(stepFrom + 15));
        var end = s.Single(a => a.Phase == SurgePhase.End);
        Assert.True(end.At > start.AddMinutes(stepTo), $"ended at {end.At:O}, during the surge");
        Assert.True(end.At < start.AddMinutes(stepTo + 120), $"ended only at {end.At:O}");
        Assert.Single(s, a => a.Phase == SurgePhase.Start);
        Assert.Contains(s, a => a.Phase == SurgePhase.Update && a.Proposal is not null && a.Proposal.Rule.Keywords.Contains("停电"));
        Assert.Equal(["停电"], first.TopKeywords.Take(1));
    }

    [Fact]
    public void Every_alert_states_its_windows_count_and_expectation_as_the_detector_computes_them_for_the_key()
    {
        // The detector sums every key's windows in one pass per minute; an alert must still say what the one-key
        // window says at that minute (count, expectation, z) and its keywords must be the ones in excess then.
        var r = new Random(3);
        var start = City(2024, 3, 4);
        var d = new SurgeDetector();
        var checkedAlerts = 0;
        for (var i = 0; i < 3 * 24 * 60; i++)
        {
            var at = start.AddMinutes(i);
            var b = new MinuteBuckets();
            var surging = i >= 2 * 24 * 60 + 600 && i < 2 * 24 * 60 + 780;
            foreach (var (k, n) in Ordinary(r, at)) if (n > 0) b.Add(MinuteBuckets.MinuteOf(at), k, n);
            if (surging)
            {
                b.Add(MinuteBuckets.MinuteOf(at), "keyword:停电", 1 + Poisson(r, 1.0));
                b.Add(MinuteBuckets.MinuteOf(at), "district:岳阳楼区", 1 + Poisson(r, 1.0));
                // A category with requests every minute, so a window one minute too wide would count more.
                b.Add(MinuteBuckets.MinuteOf(at), "category:" + Categories.All.MaxBy(c => c.Share)!.Id, 4 + Poisson(r, 2.0));
            }
            d.Add(b);
            foreach (var a in d.Advance(at.AddMinutes(1)))
            {
                var m = MinuteBuckets.MinuteOf(a.At) - 1;
                Assert.Equal(d.Window(a.Key, m, a.Window, out var expected), a.Count);
                Assert.Equal(Math.Round(expected, 1), a.Baseline);
                Assert.Equal(Math.Round(d.Z(a.Count, expected), 2), a.Score);
                var excess = SurgeKeywords.All.Select(k => (k.Label, Excess: d.Window("keyword:" + k.Label, m, 60, out var e) - e))
                    .Where(x => x.Excess >= 3).OrderByDescending(x => x.Excess).Take(5).Select(x => x.Label);
                Assert.Equal(excess, a.TopKeywords);
                checkedAlerts++;
            }
        }
        Assert.True(checkedAlerts >= 4, $"only {checkedAlerts} alerts to check");
    }

    [Fact]
    public void A_calm_month_at_the_Yueyang_volume_raises_at_most_one_alert_a_day()
    {
        var r = new Random(2);
        var start = City(2024, 3, 1);
        var alerts = Run(new SurgeDetector(), start, 31 * 24 * 60, i => Ordinary(r, start.AddMinutes(i)).ToList());
        var perDay = alerts.Where(a => a.Phase == SurgePhase.Start).GroupBy(a => CityTime.Date(a.At)).Select(g => g.Count()).DefaultIfEmpty().Max();
        Assert.True(perDay <= 1, $"{perDay} alerts on a calm day");
    }

    [Fact]
    public void A_blip_does_not_flap()
    {
        var r = new Random(3);
        var start = City(2024, 3, 4);
        var blip = 24 * 60 + 10 * 60;
        var alerts = Run(new SurgeDetector(), start, 2 * 24 * 60, i =>
            Ordinary(r, start.AddMinutes(i)).Append(("tag:fire", i >= blip && i < blip + 5 ? 3 : 0)).ToList());
        var fire = alerts.Where(a => a.Key == "tag:fire" && a.Phase != SurgePhase.Update).Select(a => a.Phase).ToList();
        // One start, one end — never start, end, start while the count hovers near the threshold.
        Assert.Equal([SurgePhase.Start, SurgePhase.End], fire);
    }

    [Fact]
    public void The_baseline_defaults_to_the_city_curve_and_learns_its_hour_of_the_week()
    {
        var d = new SurgeDetector();
        var monday9 = City(2024, 3, 4, 9, 30);
        var prior = d.ExpectedPerHour("category:transport", monday9);
        Assert.Equal(OrdinaryDay.DefaultRequestsPerDay * OrdinaryDay.HourlyShare[9] * Categories.Of("transport").Share, prior, 6);
        // Four Mondays with 100 transport requests at 9h teach that slot; Tuesday 9h keeps mostly the prior.
        for (var w = 0; w < 4; w++)
            Run(d, City(2024, 3, 4 + 7 * w, 9), 61, i => i < 60 ? [("category:transport", i % 3 == 0 ? 5 : 0)] : []);
        Assert.InRange(d.ExpectedPerHour("category:transport", City(2024, 4, 1, 9, 30)), 80, 120);
        Assert.True(Math.Abs(d.ExpectedPerHour("category:transport", City(2024, 4, 2, 9, 30)) - 100) > 20);
    }

    [Theory]
    [InlineData(0, 1.0, 1.0)]
    [InlineData(3, 0.05, 2.00675e-5)]
    [InlineData(10, 3.0, 1.1025e-3)]
    public void Poisson_tail_is_exact(int c, double lambda, double expected) =>
        Assert.Equal(expected, SurgeDetector.PoissonTail(c, lambda), expected * 1e-3);

    [Fact]
    public void Keywords_match_Chinese_text_by_substring()
    {
        var found = new List<string>();
        SurgeKeywords.Match("雨雪冰冻导致金鹗山社区停电，基站覆冰无网络信号。", found);
        Assert.Equal(["停电", "断网", "冰冻"], found);
        var b = new MinuteBuckets();
        b.RecordReceived(City(2024, 2, 1, 6), "public-services", "岳阳楼区", ["ice-storm", "emergency:em-1"], "停水了", found);
        Assert.Equal(["category:public-services", "district:岳阳楼区", "tag:ice-storm", "keyword:停水"], b.Minutes.Single().Value.Keys);
    }
}
