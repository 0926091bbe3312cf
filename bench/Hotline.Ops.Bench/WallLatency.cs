using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Hotline.Ops.Bench;

/// <summary>
/// Wall latency: N SignalR clients on /hubs/wall while events are posted; the latency of a batch is the time from the
/// API's answer (the events accepted) to a client's first cityMetrics showing that many requests today.
/// </summary>
public static class WallLatency
{
    public sealed record Result(int Clients, int Batches, int Batch, double SpanSeconds, long Messages, double P50, double P99, double Max, int Missed);

    public static async Task<Result> RunAsync(string server, string? feederToken, string? wallToken, int clients, int batches, int batch, TextWriter progress)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server) };
        if (!string.IsNullOrEmpty(feederToken)) http.DefaultRequestHeaders.Authorization = new("Bearer", feederToken);
        var clock = Stopwatch.StartNew();
        var seen = new ConcurrentBag<(int Client, int Received, TimeSpan At)>();
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
                    seen.Add((id, m.GetProperty("today").GetProperty("received").GetInt32(), clock.Elapsed));
                });
                hub.On<JsonElement>("leagueTable", _ => Interlocked.Increment(ref messages));
                await hub.StartAsync();
                await hub.InvokeAsync("Subscribe", "wall");
                connections.Add(hub);
            }
            progress.WriteLine($"    {clients} clients connected in {clock.Elapsed.TotalSeconds:F1} s");

            // Events today in city time, after whatever the server has: one received + answered per request.
            var run = Guid.NewGuid().ToString("N")[..8];
            var total = await CurrentReceived(server, wallToken);
            var accepted = new List<(int Received, TimeSpan At)>();
            for (var b = 0; b < batches; b++)
            {
                var events = Enumerable.Range(0, batch).SelectMany(i =>
                {
                    var t = $"W{run}-{b}-{i}";
                    var at = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz");
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
                await Task.Delay(250);
            }
            await Task.Delay(3000);

            var latencies = new List<double>();
            var missed = 0;
            var byClient = seen.GroupBy(s => s.Client).ToDictionary(g => g.Key, g => g.OrderBy(s => s.At).ToList());
            foreach (var (received, at) in accepted)
                for (var c = 0; c < clients; c++)
                {
                    var first = byClient.GetValueOrDefault(c)?.FirstOrDefault(s => s.Received >= received);
                    if (first is null) missed++; else latencies.Add(Math.Max(0, (first.Value.At - at).TotalMilliseconds));
                }
            latencies.Sort();
            return new Result(clients, batches, batch, accepted[^1].At.TotalSeconds - accepted[0].At.TotalSeconds, messages,
                Stats.Percentile(latencies, 0.5), Stats.Percentile(latencies, 0.99), latencies.LastOrDefault(), missed);
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

    private static async Task<int> CurrentReceived(string server, string? token)
    {
        await using var probe = Connect(server, token);
        var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        probe.On<JsonElement>("cityMetrics", m => tcs.TrySetResult(m.GetProperty("today").GetProperty("received").GetInt32()));
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
