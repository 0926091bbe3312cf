using System.Collections.Concurrent;
using System.Collections.Immutable;
using Hotline.Ops.Domain;
using Hotline.Ops.Host.Storage;

namespace Hotline.Ops.Storage.Tests;

/// <summary>A plain record shaped like the domain states: no Orleans attributes.</summary>
public sealed record TestDocument
{
    public required TicketState Ticket { get; init; }
    public Dictionary<string, int> Counters { get; init; } = new();
    public ImmutableList<DateTimeOffset> Stamps { get; init; } = [];
    public Grade? Grade { get; init; }
    public string? Note { get; init; }
}

/// <summary>
/// The document itself never crosses a grain call (that would need Orleans serialization of domain
/// types, a separate concern): the grain builds it from the id and hands back the stored state as JSON.
/// </summary>
public interface IDocumentGrain : IGrainWithStringKey
{
    Task<string?> GetJson();
    Task SetSample(string ticketId);
    Task Deactivate();

    /// <summary>Differs per activation, so a test can tell a fresh activation from the old one.</summary>
    Task<Guid> ActivationToken();
}

public sealed class DocumentGrain([PersistentState("x", HotlineStorage.StorageName)] IPersistentState<TestDocument> state)
    : Grain, IDocumentGrain
{
    public Task<string?> GetJson() => Task.FromResult(state.RecordExists
        ? System.Text.Json.JsonSerializer.Serialize(state.State, SystemTextJsonGrainStorageSerializer.DefaultOptions)
        : null);

    public Task SetSample(string ticketId)
    {
        state.State = TestSilo.SampleDocument(ticketId);
        return state.WriteStateAsync();
    }

    private readonly Guid _activationToken = Guid.NewGuid();

    public Task<Guid> ActivationToken() => Task.FromResult(_activationToken);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public interface IReminderTestGrain : IGrainWithStringKey
{
    Task Register(string name, TimeSpan dueTime, TimeSpan period);
    Task<bool> IsRegistered(string name);
    Task Unregister(string name);
}

public sealed class ReminderTestGrain : Grain, IReminderTestGrain, IRemindable
{
    /// <summary>Ticks per "grainKey/reminderName"; static because the test reads it from outside the silo.</summary>
    public static readonly ConcurrentDictionary<string, int> Ticks = new();

    public Task Register(string name, TimeSpan dueTime, TimeSpan period) =>
        this.RegisterOrUpdateReminder(name, dueTime, period);

    public async Task<bool> IsRegistered(string name) => await this.GetReminder(name) is not null;

    public async Task Unregister(string name)
    {
        var reminder = await this.GetReminder(name) ?? throw new InvalidOperationException($"reminder {name} not found");
        await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.AddOrUpdate(this.GetPrimaryKeyString() + "/" + reminderName, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}
