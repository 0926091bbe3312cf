using Hotline.Ops.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;

namespace Hotline.Ops.Storage.Tests;

/// <summary>Checks shared by both providers, run against a started silo.</summary>
public static class StorageConformance
{
    /// <summary>A grain writes; after deactivation a fresh activation reads the same document.</summary>
    public static async Task RoundTripThroughDeactivationAsync(IHost silo)
    {
        var id = "t-" + Guid.NewGuid().ToString("N")[..8];
        var grain = silo.Grains().GetGrain<IDocumentGrain>(id);
        Assert.Null(await grain.GetDocumentAsync());

        var document = TestSilo.SampleDocument(id);
        await grain.SetSample(id);
        var token = await grain.ActivationToken();
        await grain.Deactivate();
        await WaitForFreshActivationAsync(grain, token);

        TestSilo.AssertSame(document, await grain.GetDocumentAsync());
    }

    /// <summary>Optimistic concurrency of the stored queries, straight through the provider.</summary>
    public static async Task EtagConflictsAreDetectedAsync(IHost silo)
    {
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(HotlineStorage.StorageName);
        var grainId = GrainId.Create("etagtest", Guid.NewGuid().ToString("N"));
        const string stateName = "etag";

        var first = new GrainState<TestDocument> { State = TestSilo.SampleDocument("a") };
        await storage.WriteStateAsync(stateName, grainId, first);
        Assert.Equal("1", first.ETag);

        // A second writer that never read the row (ETag null) must not overwrite it.
        var blind = new GrainState<TestDocument> { State = TestSilo.SampleDocument("b") };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, blind));

        // Both hold version 1; the first write wins, the second is stale.
        var reader = new GrainState<TestDocument>();
        await storage.ReadStateAsync(stateName, grainId, reader);
        Assert.Equal("1", reader.ETag);
        Assert.True(reader.RecordExists);
        await storage.WriteStateAsync(stateName, grainId, first);
        Assert.Equal("2", first.ETag);
        reader.State = TestSilo.SampleDocument("stale");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, reader));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(stateName, grainId, reader));

        // Clear with the current version works and keeps versioning; the stored document is gone.
        await storage.ClearStateAsync(stateName, grainId, first);
        Assert.Equal("3", first.ETag);
        var afterClear = new GrainState<TestDocument>();
        await storage.ReadStateAsync(stateName, grainId, afterClear);
        Assert.False(afterClear.RecordExists);
        Assert.Equal("3", afterClear.ETag);

        // Writing again after a clear continues from the cleared version.
        afterClear.State = TestSilo.SampleDocument("again");
        await storage.WriteStateAsync(stateName, grainId, afterClear);
        Assert.Equal("4", afterClear.ETag);
        var final = new GrainState<TestDocument>();
        await storage.ReadStateAsync(stateName, grainId, final);
        Assert.Equal("again", final.State?.Ticket.TicketId);
    }

    /// <summary>
    /// Many writes queued at once share transactions; a stale or blind write among them fails on its own while the
    /// others commit, and every completed write is already visible to another connection (committed).
    /// </summary>
    public static async Task ConcurrentWritesCommitAndConflictsStayAloneAsync(IHost silo, Func<Task<long>> storedRows)
    {
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(HotlineStorage.StorageName);
        Assert.IsType<BatchingGrainStorage>(storage);
        var before = await storedRows();
        const int n = 200;
        var states = Enumerable.Range(0, n)
            .Select(i => (Id: GrainId.Create("batchtest", $"b{i}-{Guid.NewGuid():N}"), State: new GrainState<TestDocument> { State = TestSilo.SampleDocument("v1-" + i) }))
            .ToList();
        await Task.WhenAll(states.Select(s => storage.WriteStateAsync("batch", s.Id, s.State)));
        Assert.All(states, s => Assert.Equal("1", s.State.ETag));
        Assert.Equal(before + n, await storedRows());

        // Second round, all queued together: even rows hold the right version, odd ones a stale (or no) version.
        var attempts = states.Select((s, i) =>
        {
            var state = new GrainState<TestDocument> { State = TestSilo.SampleDocument("v2-" + i), ETag = i % 2 == 0 ? "1" : i % 4 == 1 ? "7" : null };
            return (s.Id, State: state, Task: storage.WriteStateAsync("batch", s.Id, state));
        }).ToList();
        for (var i = 0; i < n; i++)
        {
            if (i % 2 == 0)
            {
                await attempts[i].Task;
                Assert.Equal("2", attempts[i].State.ETag);
            }
            else await Assert.ThrowsAsync<InconsistentStateException>(() => attempts[i].Task);
        }
        for (var i = 0; i < n; i++)
        {
            var read = new GrainState<TestDocument>();
            await storage.ReadStateAsync("batch", states[i].Id, read);
            Assert.Equal(i % 2 == 0 ? "2" : "1", read.ETag);
            Assert.Equal((i % 2 == 0 ? "v2-" : "v1-") + i, read.State?.Ticket.TicketId);
        }
        Assert.Equal(before + n, await storedRows());
    }

    private static async Task WaitForFreshActivationAsync(IDocumentGrain grain, Guid oldToken)
    {
        // DeactivateOnIdle completes after the call returns; poll until a call lands on a new activation.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (await grain.ActivationToken() != oldToken)
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("DocumentGrain was not deactivated within 20 s");
    }
}
