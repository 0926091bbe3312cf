using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Bench;

/// <summary>
/// Managed heap per active grain: activate N grains in the silo of this process, force a full compacting GC before
/// and after, divide the difference. Includes everything the activation keeps alive (state, Orleans' activation data,
/// the directory entry).
/// </summary>
public static class Memory
{
    public sealed record Result(int Tickets, double BytesPerTicket, int Ledgers, double BytesPerLedger, double BytesPerDispatchedOrder);

    public static async Task<Result> RunAsync(IGrainFactory grains, int tickets, int ledgers)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var at = DateTimeOffset.UtcNow.ToOffset(CityTime.Offset);
        var units = SeedUnits.All;
        await ForEach(Enumerable.Range(0, 50), i => Received(grains, $"M{run}-warm-{i}", at)); // first-use costs out of the way

        var before = Heap();
        await ForEach(Enumerable.Range(0, tickets), i => Received(grains, $"M{run}-{i}", at));
        var afterTickets = Heap();

        // Each dispatch grows the ticket and adds the order to its unit's ledger for the month.
        await ForEach(Enumerable.Range(0, tickets), i => grains.GetGrain<ITicketGrain>($"M{run}-{i}")
            .Apply([new TicketEvent { Id = $"M{run}-{i}-d", Type = "dispatched", TicketId = $"M{run}-{i}", At = at, UnitId = units[i % units.Count].Id }]));
        var afterDispatch = Heap();

        // Empty ledgers: one unit's months far in the past, each activated by a summary read.
        await ForEach(Enumerable.Range(0, ledgers), i => grains.GetGrain<IUnitMonthGrain>(UnitKeys.Month(units[i % units.Count].Id, $"{1900 + i / 12 / units.Count}-{i / units.Count % 12 + 1:D2}")).GetSummary());
        var afterLedgers = Heap();
        return new Result(tickets, (afterTickets - before) / (double)tickets, ledgers, (afterLedgers - afterDispatch) / (double)ledgers,
            (afterDispatch - afterTickets) / (double)tickets);
    }

    private static Task Received(IGrainFactory grains, string id, DateTimeOffset at) =>
        grains.GetGrain<ITicketGrain>(id).Apply([new TicketEvent
        {
            Id = id + "-r", Type = "received", TicketId = id, At = at, Channel = "hotline", Category = "transport", Text = "公交站台积水", RequestType = "help",
        }]);

    private static async Task ForEach(IEnumerable<int> items, Func<int, Task> action)
    {
        foreach (var chunk in items.Chunk(500)) await Task.WhenAll(chunk.Select(action));
    }

    private static long Heap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
