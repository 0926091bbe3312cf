using Hotline.Ops.Domain;
using Xunit.Abstractions;

namespace Hotline.Ops.Replay.Tests;

/// <summary>February 2024 with its calls and agents (--calls): volume, consistency, the ice storm's queues.</summary>
public sealed class CallGeneratorTests(ITestOutputHelper output)
{
    private static readonly Lazy<GeneratedMonth> WithCalls = new(() => MonthGenerator.Generate(ReplayTargets.February2024, calls: true));

    [Fact]
    public void Every_request_call_is_offered_and_answered_and_the_ticket_events_do_not_change()
    {
        var month = WithCalls.Value;
        var plain = MonthGenerator.Generate(ReplayTargets.February2024);
        var tickets = month.Events.Where(e => !CallEvents.IsCallEvent(e.Type)).ToList();
        // The calls draw from their own random source: the ticket events are exactly those of a replay without calls.
        Assert.Equal(plain.Events.Count, tickets.Count);
        Assert.True(plain.Events.Zip(tickets).All(p => p.First.Id == p.Second.Id && p.First.At == p.Second.At));

        var byType = month.Events.Where(e => CallEvents.IsCallEvent(e.Type)).GroupBy(e => e.Type!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", byType.Select(kv => $"{kv.Key} {kv.Value:N0}")) + $"; {month.Stats.CallEvents:N0} call and agent events, {tickets.Count:N0} ticket events");
        var requests = month.Events.Count(e => e.Type == "received" && e.Channel is "hotline" or "enterpriseLine" or "deputyLine" && e.At >= month.MonthStart);
        Assert.Equal(MonthVolumes.FebRequests, requests);
        var answered = month.Events.Where(e => e.Type == "callAnswered").Select(e => e.CallId!).ToHashSet();
        var requestIds = month.Events.Where(e => e.Type == "received" && e.Channel is "hotline" or "enterpriseLine" or "deputyLine" && e.At >= month.MonthStart).Select(e => e.TicketId!);
        Assert.All(requestIds, id => Assert.Contains(id, answered));
        Assert.Equal(byType["callOffered"], byType["callAnswered"] + byType["callAbandoned"]);
        Assert.Equal(byType["callAnswered"], byType["callEnded"]);
        // About three events per call, plus four per agent shift.
        Assert.InRange(month.Stats.CallEvents / (double)byType["callOffered"], 2.9, 3.4);
        Assert.Equal(month.Stats.CallEvents, byType.Values.Sum());
    }

    [Fact]
    public void Agents_and_calls_replay_consistently_in_event_order()
    {
        var month = WithCalls.Value;
        var agents = new Dictionary<string, (AgentState State, string? Call, DateTimeOffset Free)>();
        var offered = new Dictionary<string, DateTimeOffset>();
        var problems = new List<string>();
        DateTimeOffset last = default;
        foreach (var e in month.Events.Where(e => CallEvents.IsCallEvent(e.Type)))
        {
            Assert.True(e.At >= last, $"{e.Id} out of order");
            last = e.At!.Value;
            Assert.Null(CallEvents.Validate(e, CityQueues.Default.Select(q => q.Id).ToList()));
            switch (e.Type)
            {
                case "agentState":
                    CallEvents.TryParseState(e.State, out var st);
                    if (agents.TryGetValue(e.Agent!, out var a) && a.State == AgentState.OnCall) problems.Add($"{e.Id}: {e.State} while on call");
                    agents[e.Agent!] = (st, null, e.At.Value);
                    break;
                case "callOffered": offered[e.CallId!] = e.At.Value; break;
                case "callAnswered":
                    if (!agents.TryGetValue(e.Agent!, out var b) || b.State is AgentState.Offline or AgentState.Break or AgentState.OnCall || b.Free > e.At)
                        problems.Add($"{e.Id}: agent {e.Agent} is {b.State}");
                    agents[e.Agent!] = (AgentState.OnCall, e.CallId, e.At.Value);
                    break;
                case "callEnded":
                    if (agents[e.Agent!].Call != e.CallId) problems.Add($"{e.Id}: agent not on this call");
                    agents[e.Agent!] = (AgentState.AfterCallWork, null, e.At.Value.AddSeconds(e.WrapUpSeconds ?? 0));
                    break;
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
    }

    [Fact]
    public void Ice_storm_builds_queues_that_an_ordinary_day_does_not()
    {
        var month = WithCalls.Value;
        double Mean(DateTimeOffset from, DateTimeOffset to, string queue)
        {
            var offered = month.Events.Where(e => e.Type == "callOffered" && e.Queue == queue && e.At >= from && e.At < to).ToDictionary(e => e.CallId!, e => e.At!.Value);
            var waits = month.Events.Where(e => e.Type == "callAnswered" && offered.ContainsKey(e.CallId!)).Select(e => (e.At!.Value - offered[e.CallId!]).TotalSeconds).ToList();
            return waits.Average();
        }
        var storm = Mean(City(2024, 2, 2, 9), City(2024, 2, 2, 17), CityQueues.Utilities);
        var ordinary = Mean(City(2024, 2, 27, 9), City(2024, 2, 27, 17), CityQueues.Utilities);
        output.WriteLine($"utilities mean wait 09–17: 2 Feb (ice storm) {storm:0} s, 27 Feb {ordinary:0} s");
        Assert.True(storm > 30, $"storm wait {storm}");
        Assert.True(ordinary < 15, $"ordinary wait {ordinary}");
    }

    private static DateTimeOffset City(int y, int m, int d, int h) => new(y, m, d, h, 0, 0, CityTime.Offset);
}
