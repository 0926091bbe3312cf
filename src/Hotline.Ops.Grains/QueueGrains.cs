using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Orleans.Concurrency;

namespace Hotline.Ops.Grains;

/// <summary>One call as its queue knows it, for a day after it was offered.</summary>
public sealed record CallRecord(DateTimeOffset OfferedAt, DateTimeOffset? AnsweredAt = null, string? Agent = null, bool Done = false);

[GenerateSerializer]
public sealed class QueueRecord
{
    [Id(0)] public CallWindow Window { get; set; } = new();
    [Id(1)] public Dictionary<string, CallRecord> Calls { get; set; } = [];
    /// <summary>Event id → its event time, kept a day for idempotency.</summary>
    [Id(2)] public Dictionary<string, DateTimeOffset> Seen { get; set; } = [];
    [Id(3)] public Dictionary<string, AgentSnapshot> Agents { get; set; } = [];
}

/// <summary>
/// A queue's calls and agents. Events change the state in memory and the feed's batch then commits every queue it
/// touched, one write each however many calls it held; a timer keeps the state to a day, once a second.
/// </summary>
public sealed class QueueGrain([PersistentState("queue", GrainStorage.Name)] IPersistentState<QueueRecord> state, CityClock clock, QueueSettings settings)
    : Grain, IQueueGrain
{
    private readonly UnstoredChanges _changes = new(state);
    private long _version;
    /// <summary>The version at the last prune.</summary>
    private long _prunedAt;
    private QueueRecord S => state.State;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        this.RegisterGrainTimer(Prune, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { Interleave = false });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct) => Commit();

    public Task Commit() => _changes.Commit();

    public Task<EventResult> Check(TicketEvent e) => Task.FromResult(Validate(e) ?? new EventResult(e.Id, EventStatus.Accepted));

    public Task<EventResult> ApplyCall(TicketEvent e, AgentSnapshot? agent)
    {
        if (Validate(e) is { } refused) return Task.FromResult(refused);
        CallEvents.TryParseType(e.Type, out var type);
        var at = e.At!.Value;
        var id = e.CallId!;
        switch (type)
        {
            case CallEventType.CallOffered:
                S.Calls[id] = new CallRecord(at);
                S.Window.At(at).Offered++;
                break;
            case CallEventType.CallAnswered:
            {
                var call = S.Calls[id];
                var wait = (at - call.OfferedAt).TotalSeconds;
                var m = S.Window.At(at);
                m.Answered++;
                m.WaitSeconds += wait;
                if (wait <= settings.Targets.AnswerWithinSeconds) m.AnsweredInTarget++;
                S.Calls[id] = call with { AnsweredAt = at, Agent = e.Agent };
                break;
            }
            case CallEventType.CallAbandoned:
                S.Calls[id] = S.Calls[id] with { Done = true };
                S.Window.At(at).Abandoned++;
                break;
            case CallEventType.CallEnded:
            {
                var call = S.Calls[id];
                var m = S.Window.At(at);
                m.Ended++;
                m.HandleSeconds += (at - call.AnsweredAt!.Value).TotalSeconds + (e.WrapUpSeconds ?? 0);
                S.Calls[id] = call with { Done = true };
                break;
            }
        }
        S.Seen[e.Id!] = at;
        if (agent is not null && agent.Queue == this.GetPrimaryKeyString()) S.Agents[agent.Id] = agent;
        Changed();
        return Task.FromResult(new EventResult(e.Id, EventStatus.Accepted));
    }

    /// <summary>Why the event does not fit this queue now (a duplicate is answered as such), or null.</summary>
    private EventResult? Validate(TicketEvent e)
    {
        if (S.Seen.ContainsKey(e.Id!)) return new EventResult(e.Id, EventStatus.Duplicate);
        if (!CallEvents.TryParseType(e.Type, out var type) || type == CallEventType.AgentState) return EventResult.Rejected(e.Id, $"'{e.Type}' is not a call event");
        var id = e.CallId!;
        var known = S.Calls.TryGetValue(id, out var call);
        string? reason = type switch
        {
            CallEventType.CallOffered when known => $"call '{id}' was already offered",
            CallEventType.CallOffered => null,
            _ when !known => $"call '{id}' is unknown in queue '{this.GetPrimaryKeyString()}': its first event must be callOffered",
            _ when call!.Done => $"call '{id}' has already ended",
            _ when e.At < (call.AnsweredAt ?? call.OfferedAt) => $"'at' is before the call's last event",
            CallEventType.CallAnswered or CallEventType.CallAbandoned when call.AnsweredAt is not null => $"call '{id}' was already answered",
            CallEventType.CallEnded when call.AnsweredAt is null => $"call '{id}' was not answered",
            CallEventType.CallEnded when call.Agent != e.Agent => $"call '{id}' is with agent '{call.Agent}', not '{e.Agent}'",
            _ => null,
        };
        return reason is null ? null : EventResult.Rejected(e.Id, reason);
    }

    public Task AgentChanged(AgentSnapshot agent)
    {
        if (agent.Queue != this.GetPrimaryKeyString()) return Task.CompletedTask;
        S.Agents[agent.Id] = agent;
        Changed();
        return Task.CompletedTask;
    }

    public Task AgentLeft(string agentId)
    {
        if (S.Agents.Remove(agentId)) Changed();
        return Task.CompletedTask;
    }

    public Task<QueueFigures> Figures()
    {
        var now = clock.GetUtcNow();
        var waiting = S.Calls.Values.Where(c => !c.Done && c.AnsweredAt is null).ToList();
        return Task.FromResult(new QueueFigures(this.GetPrimaryKeyString(), _version, now, waiting.Count,
            waiting.Count > 0 ? waiting.Min(c => c.OfferedAt) : null,
            S.Window.Sum(now, CallWindow.Span), S.Window.Sum(now, TimeSpan.FromMinutes(settings.Targets.ArrivalWindowMinutes)),
            S.Window.Sum(now, TimeSpan.FromHours(1)), S.Agents.Values.ToList()));
    }

    private void Changed()
    {
        _version++;
        _changes.Made();
    }

    /// <summary>Keeps a day of minutes, calls and event ids (calls still waiting or on call stay whatever their age), after any change.</summary>
    private async Task Prune(CancellationToken ct)
    {
        if (_prunedAt == _version || !clock.KnowsTime) return;
        _prunedAt = _version;
        var now = clock.GetUtcNow();
        var dayAgo = now - CallWindow.Span;
        var kept = Kept();
        S.Window.Prune(now);
        foreach (var old in S.Seen.Where(kv => kv.Value < dayAgo).Select(kv => kv.Key).ToList()) S.Seen.Remove(old);
        foreach (var old in S.Calls.Where(kv => kv.Value.Done && kv.Value.OfferedAt < dayAgo).Select(kv => kv.Key).ToList()) S.Calls.Remove(old);
        if (Kept() == kept) return; // the events' own batches stored everything else
        _changes.Made();
        await Commit();

        int Kept() => S.Window.Minutes.Count + S.Seen.Count + S.Calls.Count;
    }
}

[GenerateSerializer]
public sealed class AgentRecord
{
    [Id(0)] public AgentSnapshot? Agent { get; set; }
    /// <summary>The last event ids, for idempotency.</summary>
    [Id(1)] public List<string> RecentIds { get; set; } = [];
    [Id(2)] public DateTimeOffset LastEventAt { get; set; }
}

/// <summary>
/// An agent: logging on (agentState from offline) takes the event's queue; while on shift the queue changes only by a
/// lead's move, so the roster's later events do not undo it. Events change the state in memory and the feed's batch
/// commits it before it is answered; a lead's move is written at once.
/// </summary>
public sealed class AgentGrain([PersistentState("agent", GrainStorage.Name)] IPersistentState<AgentRecord> state) : Grain, IAgentGrain
{
    private const int RecentIdCount = 64;
    private readonly UnstoredChanges _changes = new(state);
    private AgentRecord S => state.State;

    public Task<AgentApplied> Apply(TicketEvent e) => Task.FromResult(ApplyInMemory(e));

    private AgentApplied ApplyInMemory(TicketEvent e)
    {
        var id = this.GetPrimaryKeyString();
        if (S.RecentIds.Contains(e.Id!)) return new AgentApplied(new EventResult(e.Id, EventStatus.Duplicate), S.Agent, S.Agent?.Queue);
        var at = e.At!.Value;
        if (S.Agent is not null && at < S.LastEventAt) return Refuse($"'at' {at:O} is before agent '{id}''s last event ({S.LastEventAt:O})");
        CallEvents.TryParseType(e.Type, out var type);
        var before = S.Agent;
        var current = before?.At(at);
        AgentSnapshot next;
        switch (type)
        {
            case CallEventType.AgentState:
                CallEvents.TryParseState(e.State, out var st);
                if (st == AgentState.OnCall) return Refuse("an agent goes on call by callAnswered, not by agentState");
                // A call in progress ends by callEnded; otherwise the queue would keep a call nobody ends.
                if (current?.State == AgentState.OnCall) return Refuse($"agent '{id}' is on call '{current.CallId}': its state changes when the call ends");
                var queue = current is null || current.State == AgentState.Offline ? e.Queue! : current.Queue;
                next = new AgentSnapshot(id, queue, st, at);
                break;
            case CallEventType.CallAnswered:
                if (current is null || current.State == AgentState.Offline) return Refuse($"agent '{id}' is not logged on");
                if (current.State == AgentState.OnCall) return Refuse($"agent '{id}' is on call '{current.CallId}'");
                next = current with { State = AgentState.OnCall, Since = at, WrapUntil = null, CallId = e.CallId };
                break;
            case CallEventType.CallEnded:
                if (current is null || current.State != AgentState.OnCall || current.CallId != e.CallId) return Refuse($"agent '{id}' is not on call '{e.CallId}'");
                next = current with { State = AgentState.AfterCallWork, Since = at, WrapUntil = e.WrapUpSeconds is { } w ? at.AddSeconds(w) : null, CallId = null };
                break;
            default:
                return Refuse($"'{e.Type}' does not concern an agent");
        }
        S.Agent = next;
        S.LastEventAt = at;
        // Call events too: a batch cut short may have stored the agent and not its queue, and is sent again.
        S.RecentIds.Add(e.Id!);
        if (S.RecentIds.Count > RecentIdCount) S.RecentIds.RemoveAt(0);
        _changes.Made();
        return new AgentApplied(new EventResult(e.Id, EventStatus.Accepted), next, before?.Queue);

        AgentApplied Refuse(string reason) => new(EventResult.Rejected(e.Id, reason), null, null);
    }

    public async Task<AgentMoved> Move(string queue)
    {
        if (S.Agent is not { } a) return new AgentMoved(MoveStatus.UnknownAgent, null, null);
        if (a.State == AgentState.Offline) return new AgentMoved(MoveStatus.Offline, a, a.Queue);
        if (a.Queue == queue) return new AgentMoved(MoveStatus.SameQueue, a, a.Queue);
        S.Agent = a with { Queue = queue };
        _changes.Made();
        await Commit();
        return new AgentMoved(MoveStatus.Moved, S.Agent, a.Queue);
    }

    public Task<AgentSnapshot?> Get() => Task.FromResult(S.Agent);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct) => Commit();

    public Task Commit() => _changes.Commit();
}

/// <summary>
/// The queues' board: once a second it pulls every queue's figures and, when any changed, pushes <c>queueStatus</c>
/// to the wall (without the agent list) and the leads (with it). Kept alive from the silo's start.
/// </summary>
public sealed class QueueBoardGrain(CityClock clock, QueueSettings settings) : Grain, IQueueBoardGrain
{
    private string? _lastKey;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        this.RegisterGrainTimer(Push, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true, Interleave = true });
        return Task.CompletedTask;
    }

    public Task Wake() => Task.CompletedTask;

    public async Task<QueueBoardView> Status(bool withAgents) =>
        QueueBoards.Build(await FiguresAsync(), settings, clock.GetUtcNow(), withAgents);

    private async Task<QueueFigures[]> FiguresAsync() =>
        await Task.WhenAll(settings.Lines.Select(l => GrainFactory.GetGrain<IQueueGrain>(l.Id).Figures()));

    private async Task Push(CancellationToken ct)
    {
        var figures = await FiguresAsync();
        // Pushed when a queue changed, and every minute of the clock while calls wait (their wait grows).
        var now = clock.GetUtcNow();
        var key = string.Join(",", figures.Select(f => f.Version)) + (figures.Any(f => f.Waiting > 0) ? "@" + CallWindow.MinuteOf(now) : "");
        if (key == _lastKey) return;
        _lastKey = key;
        var lead = QueueBoards.Build(figures, settings, now, withAgents: true);
        this.Publish(WallMessage.Of(WallTopics.Lead, WallTopics.Methods.QueueStatus, lead));
        this.Publish(WallMessage.Of(WallTopics.Wall, WallTopics.Methods.QueueStatus, lead with { Agents = null }));
    }
}
