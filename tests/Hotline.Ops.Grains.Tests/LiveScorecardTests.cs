using System.Collections.Concurrent;
using System.Text.Json;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Hotline.Ops.Grains.Tests;

/// <summary>
/// The scorecard a ledger pushes to its unit's screen every second. Its forecast and its ranking of open orders are
/// rebuilt every few seconds and shown again in between; what it lists must still be true of every order then.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LiveScorecardTests(ClusterFixture fixture)
{
    private const string Probe = "liveScorecardProbe";

    /// <summary>Stands in for a silo's hub bridge: it keeps the unit's scorecards for one month, and the probes it gets.</summary>
    private sealed class Recorder(string topic, string month) : IWallObserver
    {
        public readonly ConcurrentQueue<JsonElement> Cards = new();
        public readonly ConcurrentDictionary<string, bool> Probes = new();

        public Task Push(WallMessage[] messages)
        {
            foreach (var m in messages.Where(m => m.Method == Probe)) Probes[m.Json] = true;
            foreach (var m in messages.Where(m => m.Topic == topic && m.Method == WallTopics.Methods.UnitMetrics))
            {
                var card = JsonDocument.Parse(m.Json).RootElement;
                if (card.GetProperty("month").GetString() == month) Cards.Enqueue(card.Clone());
            }
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Between_full_builds_the_pushed_scorecard_drops_closed_orders_from_its_ranking_and_lists_new_rework()
    {
        var unit = SeedUnits.ByName("市城管局")!.Id;
        const string month = "2025-07";
        var recorder = new Recorder(WallTopics.Unit(unit), month);
        var primary = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services;
        var observer = primary.GetRequiredService<IGrainFactory>().CreateObjectReference<IWallObserver>(recorder);
        var directory = fixture.Grains.GetGrain<IWallDirectoryGrain>(0);
        // The walls' bridges register every few seconds; so does this one, on both silos' behalf (a ledger may live on either).
        using var registering = new CancellationTokenSource();
        var registration = Task.Run(async () =>
        {
            while (!registering.IsCancellationRequested)
            {
                foreach (var silo in fixture.Cluster.Silos) await directory.Register(silo.SiloAddress.ToString(), observer);
                try { await Task.Delay(500, registering.Token); } catch (OperationCanceledException) { }
            }
        });

        // A ledger publishes through its silo's outbox, which looks the walls up every few seconds: until both silos'
        // outboxes reach this recorder, a scorecard would go to the walls before it (its first one, say).
        var outboxes = fixture.SiloServices.Select(s => s.GetRequiredService<WallOutbox>()).ToList();
        for (var i = 0; i < 200 && recorder.Probes.Count < outboxes.Count; i++)
        {
            for (var k = 0; k < outboxes.Count; k++) outboxes[k].Post(WallMessage.Of(WallTopics.Wall, Probe, k));
            await Task.Delay(100);
        }
        Assert.Equal(outboxes.Count, recorder.Probes.Count);

        var t0 = new DateTimeOffset(2025, 7, 1, 9, 0, 0, CityTime.Offset);
        var deadline = new DateTimeOffset(2025, 7, 20, 18, 0, 0, CityTime.Offset);
        string Id(int i) => $"live-{unit}-{i}";
        async Task Apply(int i, params (string Type, DateTimeOffset At, Func<TicketEvent, TicketEvent>? More)[] events)
        {
            var list = events.Select((e, k) =>
            {
                var ev = new TicketEvent { Id = $"{Id(i)}-{e.Type}-{e.At:HHmm}-{k}", Type = e.Type, TicketId = Id(i), At = e.At };
                return e.More is null ? ev : e.More(ev);
            }).ToArray();
            var results = await fixture.Grains.GetGrain<ITicketGrain>(Id(i)).Apply(list);
            Assert.All(results, r => Assert.True(r.Status == EventStatus.Accepted, r.Reason));
        }
        for (var i = 0; i < 3; i++)
            await Apply(i,
                ("received", t0.AddMinutes(i), e => e with { Channel = "hotline", Category = "other" }),
                ("dispatched", t0.AddMinutes(i + 5), e => e with { UnitId = unit, Deadline = deadline }));

        static string[] Ranked(JsonElement card) => [.. card.GetProperty("hotlineByImpact").EnumerateArray().Select(o => o.GetProperty("ticketId").GetString()!)];
        static int Open(JsonElement card) => card.GetProperty("open").GetInt32();
        async Task<JsonElement> Next(Func<JsonElement, bool> wanted, string what)
        {
            var seen = new List<string>();
            for (var i = 0; i < 300; i++)
            {
                while (recorder.Cards.TryDequeue(out var card))
                {
                    if (wanted(card)) return card;
                    seen.Add($"open {Open(card)}, ranked [{string.Join(", ", Ranked(card))}]");
                }
                await Task.Delay(50);
            }
            Assert.Fail($"no pushed scorecard {what} within 15 s; pushed: {(seen.Count == 0 ? "none" : string.Join("; ", seen))}");
            return default;
        }

        // A full build ranks the three open orders.
        await Next(c => Ranked(c).Order().SequenceEqual([Id(0), Id(1), Id(2)]), "ranking the three open orders");

        // Order 0 is replied (closed here), order 1 replied and sent back for rework (open again). The next scorecard
        // showing that usually comes within the seconds its ranking is shown again, not built anew.
        await Apply(0, ("signed", t0.AddHours(1), null), ("replied", t0.AddDays(2), null));
        await Apply(1, ("signed", t0.AddHours(1), null), ("replied", t0.AddDays(2), null), ("reworkOrdered", t0.AddDays(2).AddMinutes(10), null));
        var card = await Next(c => Open(c) == 2 && c.GetProperty("hotline").GetProperty("counts").GetProperty("rework").GetInt32() == 1, "with order 0 closed and order 1 reworked");

        Assert.DoesNotContain(Id(0), Ranked(card));
        Assert.Contains(Id(2), Ranked(card));
        var reworked = card.GetProperty("reworked").EnumerateArray().ToList();
        var one = Assert.Single(reworked);
        Assert.Equal(Id(1), one.GetProperty("ticketId").GetString());
        Assert.Equal(1, one.GetProperty("rework").GetInt32());

        await registering.CancelAsync();
        await registration;
        GC.KeepAlive(recorder);
    }
}
