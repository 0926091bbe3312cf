using System.Text.Json;

namespace Hotline.Ops.Domain.Tests;

/// <summary>
/// The silos' pre-aggregated deltas are taken back out of an aggregate whose write failed (the silo sends them again):
/// what is left must be exactly what was there before, with no zero counts or empty buckets that would show.
/// </summary>
public sealed class MergeTakeBackTests
{
    private static readonly DateTimeOffset At = new(2024, 2, 5, 9, 30, 0, CityTime.Offset);

    [Fact]
    public void A_delta_taken_back_out_leaves_the_buckets_as_they_were_without_zero_counts_or_empty_hours()
    {
        var city = new ActivityBuckets();
        city.Record(TicketEventType.Received, At, RequestChannel.Hotline, "water", ["ice-storm"]);
        city.Record(TicketEventType.Answered, At, RequestChannel.Hotline, "water", []);
        var before = JsonSerializer.Serialize(city);

        var delta = new ActivityBuckets();
        delta.Record(TicketEventType.Received, At.AddMinutes(5), RequestChannel.Mailbox, "transport", ["ice-storm"]); // same hour, new keys
        delta.Record(TicketEventType.Dispatched, At.AddHours(2), RequestChannel.Hotline, "water", []); // a new hour
        city.Merge(delta);
        var day = city.Sum(CityTime.StartOfDay(new DateOnly(2024, 2, 5)), CityTime.StartOfDay(new DateOnly(2024, 2, 6)));
        Assert.Equal((1, 1, 1, 2), (day.Received, day.LettersReceived, day.Dispatched, day.ByTag["ice-storm"]));

        city.Merge(delta, -1);
        Assert.Equal(before, JsonSerializer.Serialize(city));
        Assert.Single(city.Hours);
        Assert.False(city.Hours.Values.Single().ByCategory.ContainsKey("transport"));
    }

    [Fact]
    public void Minutes_taken_back_out_leave_the_detector_counts_as_they_were_and_minutes_no_longer_kept_alone()
    {
        var minute = MinuteBuckets.MinuteOf(At);
        var counts = new MinuteBuckets();
        counts.RecordReceived(At, "water", "岳阳楼区", [], "停水了");
        var before = JsonSerializer.Serialize(counts);

        var delta = new MinuteBuckets();
        delta.RecordReceived(At, "water", "华容县", ["ice-storm"], null); // same minute, a known and a new key
        delta.RecordReceived(At.AddMinutes(1), "transport", null, [], null); // a new minute
        counts.Merge(delta);
        Assert.Equal(2, counts.Minutes[minute]["category:water"]);
        counts.Merge(delta, -1);
        Assert.Equal(before, JsonSerializer.Serialize(counts));

        // A minute pruned meanwhile is not brought back as negative counts.
        counts.Minutes.Remove(minute);
        counts.Merge(delta, -1);
        Assert.Empty(counts.Minutes);
    }

    [Fact]
    public void Emergency_counts_taken_back_out_are_as_they_were_and_orders_keep_their_latest_state()
    {
        var mine = new EmergencyCounts { Received = 2, ByCategory = { ["water"] = 2 }, ByHour = { ["2024-02-05T09"] = 2 } };
        var order = new EmergencyOrder("water-group", At.AddDays(3), false, At);
        var delta = new EmergencyCounts { Received = 1, ByCategory = { ["power"] = 1 }, ByDistrict = { ["华容县"] = 1 }, ByHour = { ["2024-02-05T09"] = 1 }, Orders = { ["T-1"] = order } };
        var before = JsonSerializer.Serialize(mine);

        mine.Merge(delta);
        Assert.Equal((3, 3), (mine.Received, mine.ByHour["2024-02-05T09"]));
        mine.Merge(delta, -1);
        Assert.Equal((2, 2), (mine.Received, mine.ByHour["2024-02-05T09"]));
        Assert.False(mine.ByCategory.ContainsKey("power"));
        Assert.Empty(mine.ByDistrict);
        // The order stays: merging it again when the delta is resent changes nothing.
        Assert.Equal(order, mine.Orders["T-1"]);
        mine.Orders.Clear();
        Assert.Equal(before, JsonSerializer.Serialize(mine));
    }
}
