using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Ops.Domain;
using Microsoft.AspNetCore.SignalR.Client;

namespace Hotline.Ops.Bench;

/// <summary>
/// Wall latency: N SignalR clients on /hubs/wall while events are posted; the latency of a batch is the time from the
/// API's answer (the events accepted) to a client's first cityMetrics showing that many requests answered today.
/// Optionally under a surge: an open-loop feeder offers new tickets (received and dispatched, never answered, so they
/// do not move the count the latency is read from) at a fixed rate from before the first batch to after the last.
/// </summary>
public static class WallLatency
{
    public sealed record Result(int Clients, int Batches, int Batch, double SpanSeconds, long Messages, double P50, double P99, double Max, int Missed,
        Ingest.Result? Surge);

    /// <summary>The batches' spacing; a run of N batches spans N × this.</summary>
    public static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(250);
    /// <summary>After the last batch, how long clients are given to see it.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public static async Task<Result> RunAsync(string server, string? feederToken, string? wallToken, int clients, int batches, int batch, TextWriter progress,
        double surgeEventsPerSecond = 0, TimeSpan surgeWarmUp = default)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server) };
        if (!string.IsNullOrEmpty(feederToken)) http.DefaultRequestHeaders.Authorization = new("Bearer", feederToken);
        var clock = Stopwatch.StartNew();
        var seen = new ConcurrentBag<(int Client, int Answered, TimeSpan At)>();
        var messages = 0L;
        var connections = new List<HubConnection>();
        try
        {
            for (var c = 0; c < clients; c++)
            {
                var id = c;
                var hub = Connect(server, wallToken);
                hub.On<JsonElement>("cityMetrics", m =>
                {
                    Interlocked.Increment(ref messages);
                    seen.Add((id, Answered(m), clock.Elapsed));
                });
                hub.On<JsonElement>("leagueTable", _ => Interlocked.Increment(ref messages));
                await hub.StartAsync();
                await hub.InvokeAsync("Subscribe", "wall");
                connections.Add(hub);
            }
            progress.WriteLine($"    {clients} clients connected in {clock.Elapsed.TotalSeconds:F1} s");

            // The surge runs from its warm-up (the server's JIT and first collections) until the clients have had their
            // time. The batches' own posts take time under it (18 s for 15 s of spacing), so it is given twice their spacing.
            Task<Ingest.Result>? surge = null;
            if (surgeEventsPerSecond > 0)
            {
                surge = Ingest.RunAtRateAsync(server, 100, surgeEventsPerSecond, 2 * Spacing * batches + Settle, surgeWarmUp);
                await Task.WhenAny(Task.Delay(surgeWarmUp), surge);
                progress.WriteLine($"    surge of {surgeEventsPerSecond:N0} events/s offered, {surgeWarmUp.TotalSeconds:F0} s warm-up");
            }

            // Requests answered today in city time, after whatever the server has: one received + answered per request.
            var run = Guid.NewGuid().ToString("N")[..8];
            var total = await CurrentAnswered(server, wallToken);
            var accepted = new List<(int Answered, TimeSpan At)>();
            for (var b = 0; b < batches; b++)
            {
                var events = Enumerable.Range(0, batch).SelectMany(i =>
                {
                    var t = $"W{run}-{b}-{i}";
                    var at = DateTimeOffset.UtcNow.ToOffset(CityTime.Offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz");
                    return new object[]
                    {
                        new { id = t + "-r", type = "received", ticketId = t, at, channel = "hotline", category = "transport", text = "公交延误" },
                        new { id = t + "-a", type = "answered", ticketId = t, at },
                    };
                }).ToList();
                using var response = await http.PostAsJsonAsync("/api/events", events);
                response.EnsureSuccessStatusCode();
                total += batch;
                accepted.Add((total, clock.Elapsed));
                await Task.Delay(Spacing);
            }
            await Task.Delay(Settle);
            var surgeResult = surge is null ? null : await surge;

            var latencies = new List<double>();
            var missed = 0;
            var byClient = seen.GroupBy(s => s.Client).ToDictionary(g => g.Key, g => g.OrderBy(s => s.At).ToList());
            foreach (var (answered, at) in accepted)
                for (var c = 0; c < clients; c++)
                {
                    // The first message counting the batch (a list of tuples gives default, not null, when none does).
                    var sightings = byClient.GetValueOrDefault(c) ?? [];
                    var first = sightings.FindIndex(s => s.Answered >= answered);
                    if (first < 0) missed++; else latencies.Add(Math.Max(0, (sightings[first].At - at).TotalMilliseconds));
                }
            latencies.Sort();
            return new Result(clients, batches, batch, accepted[^1].At.TotalSeconds - accepted[0].At.TotalSeconds, messages,
                Stats.Percentile(latencies, 0.5), Stats.Percentile(latencies, 0.99), latencies.LastOrDefault(), missed, surgeResult);
        }
        finally
        {
            foreach (var h in connections) await h.DisposeAsync();
        }
    }

    private static HubConnection Connect(string server, string? token) =>
        new HubConnectionBuilder().WithUrl(server.TrimEnd('/') + "/hubs/wall", o =>
        {
            if (!string.IsNullOrEmpty(token)) o.AccessTokenProvider = () => Task.FromResult<string?>(token);
        }).Build();

    private static int Answered(JsonElement cityMetrics) => cityMetrics.GetProperty("today").GetProperty("answered").GetInt32();

    private static async Task<int> CurrentAnswered(string server, string? token)
    {
        await using var probe = Connect(server, token);
        var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        probe.On<JsonElement>("cityMetrics", m => tcs.TrySetResult(Answered(m)));
        await probe.StartAsync();
        await probe.InvokeAsync("Subscribe", "wall");
        return await tcs.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of a sorted list (NaN when empty).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))];
}
