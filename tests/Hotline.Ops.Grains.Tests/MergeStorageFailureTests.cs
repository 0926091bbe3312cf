using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Grains.Tests;

/// <summary>
/// A silo's merge that its aggregate could not store is not answered, so the silo sends it again (its
/// <see cref="ActivityBuffer"/> puts the delta back): the city and the emergencies count it once, not twice, however
/// the failed write split between the city's rows.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MergeStorageFailureTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData(true)] // the day's page fails, the city's row (listing the new day) is stored: the write split
    [InlineData(false)] // every row fails
    public async Task A_merge_whose_write_failed_counts_once_when_sent_again(bool onlyTheDayPage)
    {
        // A month of its own per case: the fixture's city is shared with the other tests.
        var month = onlyTheDayPage ? "2037-03" : "2037-04";
        var city = fixture.Grains.GetGrain<ICityMetricsGrain>(0);
        var before = await city.GetMonthActivity(month);
        Assert.Equal(0, before.Received);

        var delta = new ActivityBuckets();
        var at = new DateTimeOffset(int.Parse(month[..4]), int.Parse(month[5..]), 10, 9, 30, 0, CityTime.Offset);
        for (var i = 0; i < 3; i++) delta.Record(TicketEventType.Received, at.AddMinutes(i), RequestChannel.Hotline, "water", []);
        delta.Record(TicketEventType.Dispatched, at.AddHours(1), RequestChannel.Hotline, "water", []);

        if (onlyTheDayPage) FaultyStorage.FailNextWrites(city.GetGrainId(), 1, CityMetricsGrain.DayPageName(month + "-10"));
        else FaultyStorage.FailNextWrites(city.GetGrainId(), int.MaxValue);
        await Assert.ThrowsAnyAsync<Exception>(() => city.MergeActivity(delta));
        FaultyStorage.FailNextWrites(city.GetGrainId(), 0);
        var afterFailure = await city.GetMonthActivity(month);
        Assert.Equal((0, 0), (afterFailure.Received, afterFailure.Dispatched));
        Assert.False(afterFailure.ByCategory.ContainsKey("water"), "a category taken back out still shows with a zero count");

        await city.MergeActivity(delta); // sent again, as the silo's buffer does
        var after = await city.GetMonthActivity(month);
        Assert.Equal((3, 1, 3), (after.Received, after.Dispatched, after.ByCategory["water"]));
    }

    [Fact]
    public async Task An_emergency_merge_whose_write_failed_counts_once_when_sent_again()
    {
        var directory = fixture.Grains.GetGrain<IEmergencyDirectoryGrain>(0);
        var start = new DateTimeOffset(2037, 5, 10, 8, 0, 0, CityTime.Offset);
        // A rule no request of the other tests matches (the fixture is shared).
        var declared = await directory.Declare("merge-failure-" + Guid.NewGuid().ToString("N")[..8], new EmergencyRule(["no-such-category"], [], []), start);
        var id = declared.Emergency!.Id;
        var delta = new EmergencyDelta();
        delta.ById[id] = new EmergencyCounts { Received = 3, ByCategory = { ["water"] = 3 }, ByHour = { ["2037-05-10T09"] = 3 } };

        FaultyStorage.FailNextWrites(directory.GetGrainId(), int.MaxValue);
        await Assert.ThrowsAnyAsync<Exception>(() => directory.Merge(delta));
        FaultyStorage.FailNextWrites(directory.GetGrainId(), 0);
        var afterFailure = (await directory.Get(id))!;
        Assert.Equal(0, afterFailure.Count);
        Assert.Empty(afterFailure.ByCategory);
        Assert.Empty(afterFailure.ByHour);

        await directory.Merge(delta); // sent again, as the silo's buffer does
        var after = (await directory.Get(id))!;
        Assert.Equal((3, 3, 3), (after.Count, after.ByCategory["water"], after.ByHour["2037-05-10T09"]));
        await directory.End(id);
    }
}
