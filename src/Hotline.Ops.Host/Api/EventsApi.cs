using System.Text.Json;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

/// <summary>The answer to a batch: counts, and one result per event in the order they came.</summary>
public sealed record EventBatchResult(int Accepted, int Duplicates, int Rejected, IReadOnlyList<EventResult> Results);

public static class EventsApi
{
    public const int MaxBatch = 10_000;

    public static void MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/events", async (HttpRequest request, EventIngest ingest, CancellationToken ct) =>
        {
            var parsed = await EventParsing.ReadAsync(request, ct);
            if (parsed.Problem is { } problem) return Results.Problem(problem, statusCode: parsed.Status, title: parsed.Status == 415 ? "Unsupported media type" : "Bad request");
            return Results.Ok(await ingest.ApplyAsync(parsed.Events!, ct));
        })
        .Produces<EventBatchResult>()
        .ProducesProblem(400)
        .RequireAuthorization(Auth.Access.Feed)
        .WithSummary("Feed ticket, call and agent events; each is accepted, duplicate or rejected with a reason.");
    }
}

/// <summary>
/// Applies a batch: events of one ticket in their order in one call (one storage write), different tickets concurrently; call and agent events go to
/// their queue and agent grains, in the batch's order (one agent's events depend on each other across queues).
/// </summary>
public sealed class EventIngest(IGrainFactory grains, QueueSettings queues, Grains.IEventTimeSink eventTime)
{
    public async Task<EventBatchResult> ApplyAsync(IReadOnlyList<ParsedEvent> events, CancellationToken ct)
    {
        var results = new EventResult[events.Count];
        var byTicket = new Dictionary<string, List<int>>();
        var calls = new List<int>();
        var queueIds = queues.Ids;
        for (var i = 0; i < events.Count; i++)
        {
            var p = events[i];
            if (p.Error is { } err) { results[i] = EventResult.Rejected(p.Id, err); continue; }
            if (CallEvents.IsCallEvent(p.Event!.Type))
            {
                if (CallEvents.Validate(p.Event, queueIds) is { } badCall) results[i] = EventResult.Rejected(p.Id, badCall);
                else calls.Add(i);
                continue;
            }
            if (WorkOrderMachine.ValidateEnvelope(p.Event!) is { } bad) { results[i] = EventResult.Rejected(p.Id, bad); continue; }
            var key = p.Event!.TicketId!;
            if (!byTicket.TryGetValue(key, out var list)) byTicket[key] = list = [];
            list.Add(i);
        }
        var tickets = Task.WhenAll(byTicket.Select(async kv =>
        {
            var applied = await grains.GetGrain<ITicketGrain>(kv.Key).Apply(kv.Value.Select(i => events[i].Event!).ToArray());
            for (var j = 0; j < applied.Length; j++) results[kv.Value[j]] = applied[j];
        }));
        if (calls.Count > 0) await ApplyCallsAsync(events, calls, results);
        await tickets;
        return new EventBatchResult(
            results.Count(r => r.Status == EventStatus.Accepted),
            results.Count(r => r.Status == EventStatus.Duplicate),
            results.Count(r => r.Status == EventStatus.Rejected),
            results);
    }

    /// <summary>
    /// The batch's call and agent events in its order, applied in memory; then one write per agent and queue they
    /// touched, before the batch is answered.
    /// </summary>
    private async Task ApplyCallsAsync(IReadOnlyList<ParsedEvent> events, List<int> calls, EventResult[] results)
    {
        var touched = new CallGrains();
        foreach (var i in calls) results[i] = await ApplyCallAsync(events[i].Event!, touched);
        await Task.WhenAll(touched.Agents.Select(a => grains.GetGrain<IAgentGrain>(a).Commit())
            .Concat(touched.Queues.Select(q => grains.GetGrain<IQueueGrain>(q).Commit())));
        foreach (var i in calls)
            if (results[i].Status == EventStatus.Accepted) eventTime.Observe(events[i].Event!.At!.Value);
    }

    /// <summary>The agents and queues a batch's call events went to: each is committed once, whatever the events' outcome.</summary>
    private sealed class CallGrains
    {
        public HashSet<string> Agents { get; } = [];
        public HashSet<string> Queues { get; } = [];
    }

    /// <summary>
    /// A call event is checked by its queue before the agent changes, so a rejected event changes nothing; the agent's
    /// new state then goes to the agent's own queue (a lead may have moved the agent away from the call's queue).
    /// The agent and the queue are stored separately, so a batch cut short may have stored one and not the other; sent
    /// again, the event is a duplicate to that one and still goes to the other.
    /// </summary>
    private async Task<EventResult> ApplyCallAsync(TicketEvent e, CallGrains touched)
    {
        CallEvents.TryParseType(e.Type, out var type);
        var queue = Queue(e.Queue!);
        if (type is CallEventType.CallOffered or CallEventType.CallAbandoned) return await queue.ApplyCall(e, null);
        if (type != CallEventType.AgentState && await queue.Check(e) is { Status: not EventStatus.Accepted } refused)
        {
            if (refused.Status == EventStatus.Duplicate) await Agent(e.Agent!).Apply(e); // the agent's outcome is its own: new, duplicate or too late
            return refused;
        }
        var applied = await Agent(e.Agent!).Apply(e);
        if (applied.Result.Status == EventStatus.Rejected || applied.Agent is not { } agent) return applied.Result;
        if (applied.PreviousQueue is { } prev && prev != agent.Queue) await Queue(prev).AgentLeft(agent.Id);
        if (type == CallEventType.AgentState)
        {
            await Queue(agent.Queue).AgentChanged(agent);
            return applied.Result;
        }
        var result = await queue.ApplyCall(e, agent.Queue == e.Queue ? agent : null);
        if (agent.Queue != e.Queue) await Queue(agent.Queue).AgentChanged(agent);
        return result;

        IQueueGrain Queue(string id)
        {
            touched.Queues.Add(id);
            return grains.GetGrain<IQueueGrain>(id);
        }

        IAgentGrain Agent(string id)
        {
            touched.Agents.Add(id);
            return grains.GetGrain<IAgentGrain>(id);
        }
    }
}

/// <summary>One element of a batch: the event, or why it could not be read as one.</summary>
public sealed record ParsedEvent(string? Id, TicketEvent? Event, string? Error);

public static class EventParsing
{
    public sealed record Parsed(IReadOnlyList<ParsedEvent>? Events, string? Problem, int Status = 400);

    /// <summary>
    /// A body that is not JSON (or NDJSON) at all is a 400 and nothing is applied. A well-formed element that is not a
    /// valid event (wrong field type, a time without offset) is rejected on its own, like any other bad event.
    /// </summary>
    public static async Task<Parsed> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        List<ParsedEvent> events = [];
        var count = 0;
        try
        {
            if (mediaType is "application/x-ndjson" or "application/jsonl" or "application/jsonlines")
            {
                using var reader = new StreamReader(request.Body);
                var lineNo = 0;
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    lineNo++;
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    try
                    {
                        using var doc = JsonDocument.Parse(line);
                        if (++count <= EventsApi.MaxBatch) events.Add(Read(doc.RootElement));
                    }
                    catch (JsonException ex) { return new(null, $"NDJSON line {lineNo} is not valid JSON: {ex.Message}"); }
                }
            }
            else if (mediaType is "application/json" or null or "text/json")
            {
                // Each event is read while the document is open: no copy of its element (profiled under ingest).
                using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
                if (doc.RootElement.ValueKind != JsonValueKind.Array) return new(null, "the body must be a JSON array of events (or application/x-ndjson, one event a line)");
                count = doc.RootElement.GetArrayLength();
                if (count <= EventsApi.MaxBatch)
                    foreach (var e in doc.RootElement.EnumerateArray()) events.Add(Read(e));
            }
            else return new(null, $"unsupported content type '{request.ContentType}': use application/json or application/x-ndjson", 415);
        }
        catch (JsonException ex)
        {
            return new(null, $"the body is not valid JSON: {ex.Message}");
        }
        if (count > EventsApi.MaxBatch) return new(null, $"a batch holds at most {EventsApi.MaxBatch} events; this one has {count}");
        return new(events, null);
    }

    private static readonly string[] TimeFields = ["at", "deadline"];

    private static ParsedEvent Read(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) return new(null, null, "an event must be a JSON object");
        foreach (var timeField in TimeFields)
        {
            if (e.TryGetProperty(timeField, out var t) && t.ValueKind != JsonValueKind.Null && !HasOffset(t))
                return new(IdOf(e), null, $"'{timeField}' must be an ISO-8601 time with an offset (e.g. 2024-02-08T09:30:00+08:00)");
        }
        try
        {
            var ev = e.Deserialize<TicketEvent>(HotlineSerialization.Json)!;
            return new(ev.Id, ev, null);
        }
        catch (JsonException ex)
        {
            return new(IdOf(e), null, $"invalid event: {ex.Message}");
        }
    }

    /// <summary>The id of an event that could not be read, if it has one, so its rejection can name it.</summary>
    private static string? IdOf(JsonElement e) =>
        e.TryGetProperty("id", out var idEl) && idEl.ValueKind == JsonValueKind.String ? idEl.GetString() : null;

    /// <summary>An ISO-8601 time (as the event's own parser reads it) that says its offset: 'Z' or ±hh:mm. Read as a
    /// DateTime, a time without an offset is the only kind left unspecified; no string is made (escaped or not). One
    /// parse per time: only a time with an offset can fail as a DateTime (converted out of range) and still be read.</summary>
    private static bool HasOffset(JsonElement t) =>
        t.ValueKind == JsonValueKind.String
        && (t.TryGetDateTime(out var asDateTime) ? asDateTime.Kind != DateTimeKind.Unspecified : t.TryGetDateTimeOffset(out _));
}
