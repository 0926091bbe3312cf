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
