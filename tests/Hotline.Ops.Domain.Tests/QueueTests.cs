using static Hotline.Ops.Domain.Tests.TestSupport;

namespace Hotline.Ops.Domain.Tests;

/// <summary>Erlang C against published worked examples, the 24-hour window and the move optimiser.</summary>
public sealed class ErlangCTests
{
    /// <summary>
    /// The textbook sum with factorials, evaluated in log space so it does not overflow either: an independent check of
    /// the Erlang B recursion the domain uses. P(wait) = (A^N/N!·N/(N−A)) / (Σ_{k&lt;N} A^k/k! + A^N/N!·N/(N−A)).
    /// </summary>
    private static double FactorialFormula(int n, double a)
    {
        double LogTerm(int k) => k * Math.Log(a) - Enumerable.Range(1, k).Sum(i => Math.Log(i));
        var logs = Enumerable.Range(0, n).Select(LogTerm).ToList();
        var logTop = LogTerm(n) + Math.Log(n / (n - a));
        var max = Math.Max(logs.Max(), logTop);
        var sum = logs.Sum(l => Math.Exp(l - max)) + Math.Exp(logTop - max);
        return Math.Exp(logTop - max) / sum;
    }

    [Fact]
    public void Jones_the_net_average_hour_needs_28_advisors_for_80_percent_in_30_seconds()
    {
        // Source: jonesthenet.com, "Erlang uplift" (budgeting / service levels): 20,000 calls a week over 80 open hours,
        // so 250 calls in the average hour; AHT 330 s; target 80 % of calls answered in 30 s. Published: the
        // "accountant" load 250 × 330 / 3600 = 22.9 advisors; Erlang needs 28 advisors.
        var load = 250 * 330 / 3600.0;
        Assert.Equal(22.9, Math.Round(load, 1));
        Assert.Equal(28, ErlangC.AgentsNeeded(load, 330, 30, 0.80));
        // 28 is the least that reaches the target: 27 falls short.
        Assert.True(ErlangC.ServiceLevel(27, load, 330, 30) < 0.80);
        Assert.True(ErlangC.ServiceLevel(28, load, 330, 30) >= 0.80);
    }

    [Fact]
    public void Mitan_worked_example_360_calls_per_half_hour_with_55_agents()
    {
        // Source: mitan.co.uk/erlang/elgcmath.htm ("The Erlang-C formula", as quoted in the Nemotron-CC-Math corpus and
        // re-implemented in public code): 360 calls per half hour, average call duration 4 minutes (240 s), 55 agents,
        // target answer time 15 s. Published intermediates: arrival rate 360 / 1800 s = 0.2 calls per second, traffic
        // intensity 0.2 × 240 = 48 Erlangs, occupancy 48 / 55. The published results (probability of waiting, ASA,
        // service level) were not in the excerpts found, so they are checked against the factorial formula instead.
        var rate = 360 / 1800.0;
        var load = rate * 240;
        Assert.Equal(0.2, rate, 12);
        Assert.Equal(48, load, 9);
        Assert.Equal(0.873, Math.Round(load / 55, 3));
        var c = ErlangC.WaitProbability(55, load);
        Assert.Equal(FactorialFormula(55, load), c, 12);
        Assert.Equal(c * 240 / (55 - 48), ErlangC.AverageSpeedOfAnswer(55, load, 240), 9);
        Assert.Equal(1 - c * Math.Exp(-(55 - 48) * 15 / 240.0), ErlangC.ServiceLevel(55, load, 240, 15), 12);
        Assert.InRange(c, 0.2, 0.3);
    }

    [Fact]
    public void Single_agent_waits_with_probability_rho_and_the_reference_formulas_hold()
    {
        // M/M/1: P(wait) = ρ, ASA = ρ·AHT/(1 − ρ) (any queueing text, e.g. Kleinrock, Queueing Systems I, §3.2).
        Assert.Equal(0.5, ErlangC.WaitProbability(1, 0.5), 12);
        Assert.Equal(0.5 * 100 / 0.5, ErlangC.AverageSpeedOfAnswer(1, 0.5, 100), 9);
        // The city reference's formula: SL(t) = 1 − P(wait)·e^(−(N−A)·t/AHT).
        Assert.Equal(1 - 0.5 * Math.Exp(-0.5 * 15 / 100), ErlangC.ServiceLevel(1, 0.5, 100, 15), 12);
    }

    [Fact]
    public void Recursion_stays_finite_where_factorials_overflow()
    {
        // 171! overflows a double; 1,000 agents at 950 Erlangs is a large centre's busy hour.
        var c = ErlangC.WaitProbability(1000, 950);
        Assert.True(double.IsFinite(c) && c is > 0 and < 1);
        Assert.Equal(FactorialFormula(1000, 950), c, 9);
        Assert.Equal(1, ErlangC.WaitProbability(10, 10));
        Assert.Equal(0, ErlangC.ServiceLevel(10, 12, 200, 15));
        Assert.Equal(1, ErlangC.ServiceLevel(0, 0, 200, 15));
    }

    [Fact]
    public void More_agents_never_lower_the_service_level()
    {
        for (var n = 6; n < 40; n++)
            Assert.True(ErlangC.ServiceLevel(n + 1, 5.5, 240, 15) >= ErlangC.ServiceLevel(n, 5.5, 240, 15));
        Assert.Equal(1, ErlangC.AgentsNeeded(0, 240, 15, 0.8, minimum: 1));
    }
}

public sealed class CallWindowTests
{
    [Fact]
    public void Keeps_24_hours_of_event_time_and_sums_short_windows()
    {
        var w = new CallWindow();
        var t0 = City(2024, 2, 1, 9);
        w.At(t0).Offered += 3;
        w.At(t0.AddMinutes(10)).Offered += 2;
        w.At(t0.AddHours(23).AddMinutes(30)).Offered += 1;
        Assert.Equal(6, w.Sum(t0.AddHours(23).AddMinutes(30), CallWindow.Span).Offered);
        // The last 15 minutes hold the newest minute only; a day and a minute later the first minute has left.
        Assert.Equal(1, w.Sum(t0.AddHours(23).AddMinutes(30), TimeSpan.FromMinutes(15)).Offered);
        Assert.Equal(3, w.Sum(t0.AddHours(24).AddMinutes(5), CallWindow.Span).Offered);
        w.Prune(t0.AddHours(24).AddMinutes(5));
        Assert.Equal(2, w.Minutes.Count);
    }
}

public sealed class StaffingAdvisorTests
{
    private static readonly QueueTargets Targets = QueueTargets.Default;

    private static QueueLoad Load(string id, double callsPerHour, int agents, double aht = 240) =>
        new(id, callsPerHour / 3600, aht, Enumerable.Range(1, agents).Select(i => $"{id}-{i:D2}").ToList());

    [Fact]
    public void Moves_spare_agents_to_the_short_queue_and_keeps_donors_at_target()
    {
        // Utilities: 120 calls/h × 240 s = 8 Erlangs on 6 agents (overloaded); general: 60 calls/h = 4 Erlangs on 10.
        var loads = new[] { Load("general", 60, 10), Load("utilities", 120, 6) };
        var advice = StaffingAdvisor.Advise(loads, Targets);
        var util = advice.Queues.Single(q => q.QueueId == "utilities");
        var gen = advice.Queues.Single(q => q.QueueId == "general");
        Assert.True(util.Understaffed);
        Assert.Equal(0, util.ProjectedServiceLevel);
        Assert.False(gen.Understaffed);
        var move = Assert.Single(advice.Moves);
        Assert.Equal(("general", "utilities"), (move.From, move.To));
        Assert.True(move.ToAfter > move.ToBefore);
        // General gives exactly its surplus and stays at target; utilities reaches what it can.
        Assert.Equal(10 - gen.AgentsNeeded, move.Agents.Count);
        Assert.True(move.FromAfter >= Targets.ServiceLevel);
        Assert.Equal(ErlangC.ServiceLevel(6 + move.Agents.Count, 8, 240, 15), move.ToAfter, 12);
        Assert.Equal(move.Agents.Distinct().Count(), move.Agents.Count);
        Assert.All(move.Agents, a => Assert.StartsWith("general-", a));
    }

    [Fact]
    public void Takes_from_the_queue_with_slack_before_one_that_would_fall_below_target()
    {
        // Transport has no slack (exactly what it needs); general has plenty.
        var transportNeeds = ErlangC.AgentsNeeded(3, 240, 15, 0.8, 1);
        var loads = new[] { Load("transport", 45, transportNeeds), Load("general", 30, 9), Load("utilities", 120, 7) };
        var advice = StaffingAdvisor.Advise(loads, Targets);
        Assert.DoesNotContain(advice.Moves, m => m.From == "transport");
        Assert.Contains(advice.Moves, m => m.From == "general" && m.To == "utilities");
        Assert.All(advice.Moves, m => Assert.True(m.FromAfter >= Targets.ServiceLevel));
    }

    [Fact]
    public void Proposes_nothing_when_every_queue_meets_its_target()
    {
        var advice = StaffingAdvisor.Advise([Load("general", 60, 8), Load("utilities", 30, 5)], Targets);
        Assert.Empty(advice.Moves);
        Assert.All(advice.Queues, q => Assert.False(q.Understaffed));
    }

    [Fact]
    public void Board_ends_after_call_work_on_its_own_and_counts_agents_by_state()
    {
        var now = City(2024, 2, 1, 10);
        var day = new CallMinute { Offered = 100, Answered = 90, AnsweredInTarget = 72, Abandoned = 10, WaitSeconds = 900, Ended = 90, HandleSeconds = 90 * 200 };
        var recent = new CallMinute { Offered = 30 };
        var lastHour = new CallMinute { Ended = 45, HandleSeconds = 45 * 200 };
        var agents = new[]
        {
            new AgentSnapshot("a1", "utilities", AgentState.AfterCallWork, now.AddSeconds(-40), now.AddSeconds(-10)),
            new AgentSnapshot("a2", "utilities", AgentState.OnCall, now.AddSeconds(-100), null, "c-1"),
            new AgentSnapshot("a3", "utilities", AgentState.Break, now.AddMinutes(-5)),
            new AgentSnapshot("a4", "utilities", AgentState.Offline, now.AddHours(-2)),
        };
        var figures = new QueueFigures("utilities", 1, now, 2, now.AddSeconds(-25), day, recent, lastHour, agents);
        var board = QueueBoards.Build([figures], QueueSettings.Default, now, withAgents: true);
        var q = Assert.Single(board.Queues);
        Assert.Equal((1, 1, 0, 1, 1), (q.AgentsAvailable, q.AgentsOnCall, q.AgentsAfterCallWork, q.AgentsOnBreak, q.AgentsOffline));
        Assert.Equal(2, q.AgentsStaffed);
        Assert.Equal(25, q.OldestWaitSeconds!.Value, 6);
        Assert.Equal(72, q.ServiceLevelPct!.Value, 9);
        Assert.Equal(90, q.ConnectionRatePct!.Value, 9);
        Assert.True(q.ConnectionBelowTarget);
        Assert.Equal(10, q.AsaSeconds!.Value, 9);
        Assert.Equal(120, q.ArrivalPerHour, 9);
        // 45 ended calls of 200 s with 5 pseudo-calls of the 240 s default.
        Assert.Equal((45 * 200 + 5 * 240) / 50.0, q.HandleSeconds, 9);
        Assert.Equal(AgentState.Available, board.Agents!.Single(a => a.Id == "a1").State);
    }
}
