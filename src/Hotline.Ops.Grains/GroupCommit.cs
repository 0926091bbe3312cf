using Orleans.Core;

namespace Hotline.Ops.Grains;

/// <summary>
/// Group commit for a reentrant grain: every caller that changed the state awaits a write that started after its
/// change, and changes that arrive while a write is running share the next one. A busy unit ledger thus writes
/// once per storage round trip, not once per order event, and nobody is answered before their change is durable.
/// </summary>
internal sealed class GroupCommit(Func<Task> write)
{
    private TaskCompletionSource? _waiting;
    private Task? _loop;

    public Task CommitAsync()
    {
        var next = _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_loop is null || _loop.IsCompleted) _loop = WriteLoop();
        return next.Task;
    }

    private async Task WriteLoop()
    {
        while (_waiting is { } batch)
        {
            _waiting = null; // changes made from here on go into the next write
            try
            {
                await write();
                batch.SetResult();
            }
            catch (Exception ex)
            {
                batch.SetException(ex);
            }
        }
    }
}

/// <summary>Rows of a grain's state kept in pages (a ledger's members, the city's days and months).</summary>
internal static class ChangedPages
{
    /// <summary>
    /// Writes the pages in <paramref name="changed"/> concurrently (one storage transaction when batched), clearing it at
    /// once: changes from here on go into the next write. If a write fails they are marked changed again, so the next
    /// commit retries them.
    /// </summary>
    public static async Task Write<TKey>(HashSet<TKey> changed, Func<TKey, Task> write)
    {
        if (changed.Count == 0) return;
        var keys = changed.ToArray();
        changed.Clear();
        try { await Task.WhenAll(keys.Select(write)); }
        catch
        {
            changed.UnionWith(keys);
            throw;
        }
    }
}

/// <summary>
/// For the aggregates that silos merge their pre-aggregated deltas into (the city, the surge detector, the emergencies).
/// </summary>
internal static class MergedDelta
{
    /// <summary>
    /// Awaits the write that stores a merged delta; if it fails, takes the delta back out (<paramref name="takeBack"/>)
    /// before failing. The silo was not answered, so it puts the delta back and sends it again: kept, it would count twice.
    /// </summary>
    public static async Task StoredOrTakenBack(this Task write, Action takeBack)
    {
        try { await write; }
        catch
        {
            takeBack();
            throw;
        }
    }
}

/// <summary>
/// Changes a grain made in memory to one state since its last write. <see cref="Commit"/> stores them all in one write
/// (changes made while it runs go into the next); a failed write keeps them for the next, and whoever awaited it is not
/// answered, so nothing answered is unstored.
/// </summary>
internal sealed class UnstoredChanges(IStorage state)
{
    public bool Any { get; private set; }

    public void Made() => Any = true;

    public async Task Commit()
    {
        if (!Any) return;
        Any = false;
        try { await state.WriteStateAsync(); }
        catch
        {
            Any = true;
            throw;
        }
    }
}
