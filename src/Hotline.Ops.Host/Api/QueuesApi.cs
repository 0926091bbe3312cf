using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

public sealed record MoveAgentBody(string? Queue);

/// <summary>The answer to a move: the agent now, and where it came from.</summary>
public sealed record AgentMoveResult(string Id, string From, string To, AgentState State);

public static class QueuesApi
{
    public static QueueSettings Settings(IConfiguration config)
    {
        var targets = config.GetSection("Hotline:Queues:Targets").Get<QueueTargets>() ?? QueueTargets.Default;
        if (targets.Validate() is { } bad) throw new InvalidOperationException(bad);
        var lines = config.GetSection("Hotline:Queues:Lines").Get<List<QueueDefinition>>();
        if (lines is { Count: > 0 } && lines.Any(l => !CallEvents.IsKey(l.Id) || string.IsNullOrWhiteSpace(l.Name)))
            throw new InvalidOperationException("every Hotline:Queues:Lines entry needs an Id (at most 64 characters, no '/') and a Name");
        return new QueueSettings { Targets = targets, Lines = lines is { Count: > 0 } ? lines : CityQueues.Default };
    }

    public static void MapQueuesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ops/queues", async (IGrainFactory grains) =>
            Results.Ok(await grains.GetGrain<IQueueBoardGrain>(0).Status(withAgents: false)))
            .Produces<QueueBoardView>()
            .WithSummary("Every queue (waiting, oldest wait, 24-hour service and connection rates, agents by state, Erlang C staffing) and the proposed moves.")
            .RequireAuthorization(Auth.Access.ReadCity);

        app.MapGet("/api/ops/agents", async (IGrainFactory grains) =>
        {
            var board = await grains.GetGrain<IQueueBoardGrain>(0).Status(withAgents: true);
            return Results.Ok(new { board.At, board.Agents, board.Moves });
        }).WithSummary("Every agent with its queue and state, and the proposed moves.").RequireAuthorization(Auth.Access.ReadCity);

        app.MapPost("/api/ops/agents/{id}/queue", async (string id, MoveAgentBody? body, IGrainFactory grains, QueueSettings queues) =>
        {
            if (string.IsNullOrWhiteSpace(body?.Queue)) return Problems.BadRequest("the body must be { \"queue\": \"<queue id>\" }");
            if (!queues.Ids.Contains(body.Queue)) return Problems.BadRequest($"unknown queue '{body.Queue}': the queues are {string.Join(", ", queues.Ids)}");
            if (!CallEvents.IsKey(id)) return Problems.NotFound($"no agent '{id}'");
            var moved = await grains.GetGrain<IAgentGrain>(id).Move(body.Queue);
            switch (moved.Status)
            {
                case MoveStatus.UnknownAgent: return Problems.NotFound($"no agent '{id}'");
                case MoveStatus.Offline: return Problems.Conflict($"agent '{id}' is offline: only agents on shift can be moved");
                case MoveStatus.SameQueue: return Problems.Conflict($"agent '{id}' is already in queue '{body.Queue}'");
            }
            var agent = moved.Agent!;
            var (from, to) = (grains.GetGrain<IQueueGrain>(moved.PreviousQueue!), grains.GetGrain<IQueueGrain>(agent.Queue));
            await from.AgentLeft(id);
            await to.AgentChanged(agent);
            await Task.WhenAll(from.Commit(), to.Commit());
            return Results.Ok(new AgentMoveResult(id, moved.PreviousQueue!, agent.Queue, agent.State));
        }).WithSummary("Moves an on-shift agent to another queue (until the agent logs off).").RequireAuthorization(Auth.Access.Ops);
    }
}
