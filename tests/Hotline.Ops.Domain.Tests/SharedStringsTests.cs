using Hotline.Ops.Domain;

namespace Hotline.Ops.Domain.Tests;

/// <summary>Resident tickets share one copy of the values they repeat (bench/FINDINGS.md item 26).</summary>
public class SharedStringsTests
{
    /// <summary>A copy that is equal but not the same object, as each parsed event brings.</summary>
    private static string Fresh(string s) => new(s.AsSpan());

    [Fact]
    public void Tickets_share_their_unit_category_district_and_month()
    {
        var at = new DateTimeOffset(2024, 2, 5, 9, 0, 0, CityTime.Offset);
        TicketState Order(string id)
        {
            var received = WorkOrderMachine.Apply(null, new TicketEvent
            {
                Id = id + "-r", Type = "received", TicketId = id, At = at, Channel = "hotline",
                Category = Fresh("transport"), District = Fresh("岳阳楼区"),
            }, Ticket.Rules);
            var dispatched = WorkOrderMachine.Apply(received.State, new TicketEvent
            {
                Id = id + "-d", Type = "dispatched", TicketId = id, At = at.AddMinutes(5), UnitId = Fresh("unit-a"),
            }, Ticket.Rules);
            Assert.True(dispatched.Accepted, dispatched.Rejection);
            return dispatched.State!;
        }

        var a = Order("S-1");
        var b = Order("S-2");
        Assert.Equal("transport", a.Category);
        Assert.Same(a.Category, b.Category);
        Assert.Same(a.District, b.District);
        Assert.Same(a.UnitId, b.UnitId);
        Assert.Same(WorkOrderAssessment.Of(a)!.Month, WorkOrderAssessment.Of(b)!.Month);
        Assert.Equal(["S-1-r", "S-1-d"], a.History.Select(h => h.EventId));
        Assert.True(a.HasEvent("S-1-d"));
        Assert.False(a.HasEvent("S-2-d"));
    }

    [Fact]
    public void The_pool_is_bounded_in_count_and_length()
    {
        var pool = new SharedStrings(cap: 3, maxLength: 8);
        var first = pool.Of(Fresh("unit-a"))!;
        Assert.Same(first, pool.Of(Fresh("unit-a")));
        pool.Of("unit-b");
        pool.Of("unit-c");

        var late = Fresh("unit-d"); // past the cap: kept as it came, not pooled
        Assert.Same(late, pool.Of(late));
        Assert.NotSame(late, pool.Of(Fresh("unit-d")));
        var longValue = Fresh("a-very-long-value");
        Assert.Same(longValue, pool.Of(longValue));
        Assert.Same(first, pool.Of(Fresh("unit-a")));
        Assert.Null(pool.Of(null));
    }

    [Theory]
    [InlineData("2024-02-29T15:59:59Z", "2024-02", true)] // 23:59:59 in the city
    [InlineData("2024-02-29T16:00:00Z", "2024-03", true)] // midnight in the city: the next month
    [InlineData("1850-06-01T00:00:00Z", "1850-06", false)] // outside the cached years: formatted each time
    public void Months_are_city_months_one_copy_each_within_the_cached_years(string instant, string month, bool shared)
    {
        var t = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);
        var first = CityTime.MonthOf(t);
        var second = CityTime.MonthOf(t); // asked again: the one copy, or a new one outside the cached years
        Assert.Equal(month, first);
        Assert.Equal(month, second);
        Assert.Equal(shared, ReferenceEquals(first, second));
    }
}
