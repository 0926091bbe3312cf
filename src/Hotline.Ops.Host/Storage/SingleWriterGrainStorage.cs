using Orleans.Storage;

namespace Hotline.Ops.Host.Storage;

/// <summary>
/// SQLite takes one writer at a time; concurrent grain writes through the ADO.NET provider would wait on SQLite's
/// busy handler, which sleeps on Orleans' scheduler threads and starves every grain (seen: ~200 events/s). This
/// decorator queues writes asynchronously so exactly one is in flight and no thread ever waits on a lock. Reads run
/// freely: in WAL mode they never block on the writer. Serialization still happens on the grain's own turn.
/// </summary>
public sealed class SingleWriterGrainStorage(IGrainStorage inner) : IGrainStorage
{
    private readonly SemaphoreSlim _writer = new(1, 1);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await _writer.WaitAsync();
        try { await inner.WriteStateAsync(stateName, grainId, grainState); }
        finally { _writer.Release(); }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await _writer.WaitAsync();
        try { await inner.ClearStateAsync(stateName, grainId, grainState); }
        finally { _writer.Release(); }
    }
}
