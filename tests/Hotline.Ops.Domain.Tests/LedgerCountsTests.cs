using static Hotline.Ops.Domain.Tests.TestSupport;

namespace Hotline.Ops.Domain.Tests;

public class LedgerCountsTests
{
    private static OrderContribution Order(DateTimeOffset dispatched, DateTimeOffset deadline, bool open, int onTime = 0,
        AssessmentChannel channel = AssessmentChannel.Hotline, bool supervised = false) =>
        new("U1", channel, CityTime.MonthOf(deadline), new AssessmentCounts(1, open ? 0 : 1, onTime, 0, 0, 0, 0), dispatched, deadline, open, supervised);

    private static DeadlineCounts Walk(IEnumerable<OrderContribution> orders, DateTimeOffset now) =>
        orders.Aggregate(default(DeadlineCounts), (n, c) => n + DeadlineCounts.Of(c, now));

    /// <summary>Counts how often the ledger's orders are walked.</summary>
    private sealed class Walks(List<OrderContribution> orders)
    {
        public int Count { get; private set; }
        public IEnumerable<OrderContribution> Orders() { Count++; foreach (var o in orders) yield return o; }
    }

    [Fact]
    public void Kept_counts_equal_a_walk_of_every_order_at_any_time()
    {
        // Orders come, change and go while the clock moves through deadlines (end of day) and midnights, sometimes back.
        var random = new Random(11);
        var start = City(2024, 2, 5, 8);
        var orders = new Dictionary<int, OrderContribution>();
        var counts = new LedgerCounts();
        int walks = 0, queries = 0;
        IEnumerable<OrderContribution> All() { walks++; foreach (var o in orders.Values.ToList()) yield return o; }
        var now = start;
        for (var step = 0; step < 5_000; step++)
        {
            now = random.Next(100) == 0 ? now.AddHours(-random.Next(1, 30)) : now.AddSeconds(random.Next(0, 600));
            var id = random.Next(300);
            if (orders.Remove(id, out var old)) counts.Change(old, -1);
            if (random.Next(4) > 0)
            {
                var dispatched = now.AddHours(-random.Next(0, 72));
                var deadline = random.Next(10) == 0 ? now.AddMinutes(random.Next(-600, 600)) : CityTime.EndOfDay(CityTime.Date(dispatched).AddDays(random.Next(0, 4)));
                var c = Order(dispatched, deadline, open: random.Next(3) > 0, onTime: random.Next(2), channel: random.Next(4) == 0 ? AssessmentChannel.Mailbox : AssessmentChannel.Hotline, supervised: random.Next(5) == 0);
                orders[id] = c;
                counts.Change(c, +1);
            }
            if (random.Next(3) > 0) continue;
            queries++;
            Assert.Equal(Walk(orders.Values, now), counts.At(now, All()));
        }
        Assert.True(walks < queries / 2, $"{walks} walks for {queries} queries: the kept counts were not used");
    }

    [Fact]
    public void Orders_are_walked_again_only_once_a_deadline_or_midnight_has_passed()
    {
        var now = City(2024, 2, 5, 9);
        var orders = new List<OrderContribution>
        {
            Order(now.AddDays(-3), City(2024, 2, 5, 12), open: true),                  // due today at noon
            Order(now.AddDays(-1), CityTime.EndOfDay(new DateOnly(2024, 2, 7)), open: true),
            Order(now.AddDays(-9), City(2024, 2, 1, 18), open: false),                 // replied late: missed
        };
        var walks = new Walks(orders);
        var counts = new LedgerCounts();
        Assert.Equal(new DeadlineCounts(2, 2, 1, 0, 0, 1), counts.At(now, walks.Orders()));
        Assert.Equal(1, walks.Count);

        // A new order is counted as it comes, without a walk.
        var supervised = Order(now, CityTime.EndOfDay(new DateOnly(2024, 2, 6)), open: true, channel: AssessmentChannel.Mailbox, supervised: true);
        orders.Add(supervised);
        counts.Change(supervised, +1);
        Assert.Equal(new DeadlineCounts(3, 2, 1, 0, 1, 1), counts.At(now.AddHours(2), walks.Orders()));
        Assert.Equal(1, walks.Count);

        // Noon passes: the first order is overdue and missed.
        Assert.Equal(new DeadlineCounts(3, 2, 0, 1, 1, 2), counts.At(City(2024, 2, 5, 12, 0, 1), walks.Orders()));
        Assert.Equal(2, walks.Count);

        // Midnight: the supervised order's deadline day begins.
        Assert.Equal(new DeadlineCounts(3, 2, 1, 1, 1, 2), counts.At(City(2024, 2, 6, 0, 0, 1), walks.Orders()));
        Assert.Equal(3, walks.Count);

        // An order leaving is taken off without a walk.
        orders.Remove(supervised);
        counts.Change(supervised, -1);
        Assert.Equal(new DeadlineCounts(2, 2, 0, 1, 0, 2), counts.At(City(2024, 2, 6, 8), walks.Orders()));
        Assert.Equal(3, walks.Count);
    }
}
