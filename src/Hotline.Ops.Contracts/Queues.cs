using Orleans.Concurrency;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>
/// A call-taker queue (话务队列), keyed by its id: calls waiting and on call, the last 24 hours in minute buckets, and
/// the agents assigned to it. Call events are checked first (<see cref="Check"/>) so that an event rejected by the
/// agent leaves the queue unchanged. Changes are made in memory; <see cref="Commit"/> makes them durable, and a feed is
/// answered only after it.
/// </summary>
public interface IQueueGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<EventResult> Check(TicketEvent e);

    /// <summary>Applies a call event; <paramref name="agent"/> is the answering agent's new state when it belongs to this queue.</summary>
    Task<EventResult> ApplyCall(TicketEvent e, AgentSnapshot? agent);

    Task AgentChanged(AgentSnapshot agent);
    Task AgentLeft(string agentId);

    /// <summary>Returns once every change made before this call is stored (at once when there is none).</summary>
    Task Commit();

    [AlwaysInterleave]
    Task<QueueFigures> Figures();
}

public enum MoveStatus { Moved, UnknownAgent, Offline, SameQueue }

[GenerateSerializer, Immutable]
public sealed record AgentApplied([property: Id(0)] EventResult Result, [property: Id(1)] AgentSnapshot? Agent, [property: Id(2)] string? PreviousQueue);

[GenerateSerializer, Immutable]
public sealed record AgentMoved([property: Id(0)] MoveStatus Status, [property: Id(1)] AgentSnapshot? Agent, [property: Id(2)] string? PreviousQueue);

/// <summary>A call-taker (坐席), keyed by agent id: its state and its queue, which survive a restart.</summary>
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Applies an agent's event in memory; <see cref="Commit"/> stores it. Idempotent per event id (the last 64).</summary>
    Task<AgentApplied> Apply(TicketEvent e);

    /// <summary>Returns once every change made before this call is stored (at once when there is none).</summary>
    Task Commit();

    /// <summary>A shift lead's move to another queue; holds until the agent logs off.</summary>
    Task<AgentMoved> Move(string queue);

    [AlwaysInterleave]
    Task<AgentSnapshot?> Get();
}

/// <summary>Pulls the queues' figures once a second and pushes <c>queueStatus</c> (with the advice) to the wall and the leads when they changed.</summary>
public interface IQueueBoardGrain : IGrainWithIntegerKey
{
    Task Wake();

    [AlwaysInterleave]
    Task<QueueBoardView> Status(bool withAgents);
}
