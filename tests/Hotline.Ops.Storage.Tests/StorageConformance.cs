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
