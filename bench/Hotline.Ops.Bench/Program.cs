using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

// Wall latency: N SignalR clients on /hubs/wall while events are posted; the latency of a batch is the time from
// the API's answer (the events accepted) to a client's first cityMetrics showing that many requests today.
// Usage: dotnet run -c Release --project bench/Hotline.Ops.Bench -- wall --server URL [--clients 500] [--batches 60] [--batch 100] [--token T]
var opts = args.Skip(1).Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a, p => args.Skip(1).ElementAtOrDefault(p.i + 1) ?? "");
if (args.FirstOrDefault() != "wall" || !opts.TryGetValue("--server", out var server))
{
    Console.Error.WriteLine("usage: Hotline.Ops.Bench wall --server URL [--clients 500] [--batches 60] [--batch 100] [--token T]");
    return 2;
}
int clients = int.Parse(opts.GetValueOrDefault("--clients", "500")), batches = int.Parse(opts.GetValueOrDefault("--batches", "60")), batch = int.Parse(opts.GetValueOrDefault("--batch", "100"));
var token = opts.GetValueOrDefault("--token") ?? Environment.GetEnvironmentVariable("HOTLINE_TOKEN");
var http = new HttpClient { BaseAddress = new Uri(server) };
if (!string.IsNullOrEmpty(token)) http.DefaultRequestHeaders.Authorization = new("Bearer", token);

var clock = Stopwatch.StartNew();
var seen = new ConcurrentBag<(int Client, int Received, TimeSpan At)>();
var messages = 0L;
var connections = new List<HubConnection>();
for (var c = 0; c < clients; c++)
{
    var id = c;
    var hub = new HubConnectionBuilder().WithUrl(server.TrimEnd('/') + "/hubs/wall", o => { if (!string.IsNullOrEmpty(token)) o.AccessTokenProvider = () => Task.FromResult<string?>(token); }).Build();
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
Console.Error.WriteLine($"{clients} clients connected in {clock.Elapsed.TotalSeconds:F1} s");

// Events today in city time, after whatever the server has: one received + answered per request.
var run = Guid.NewGuid().ToString("N")[..8];
var start = await CurrentReceived();
var accepted = new List<(int Received, TimeSpan At)>();
var total = start;
for (var b = 0; b < batches; b++)
{
    var events = Enumerable.Range(0, batch).SelectMany(i =>
    {
        var t = $"B{run}-{b}-{i}";
        var at = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz");
        return new object[]
        {
            new { id = t + "-r", type = "received", ticketId = t, at, channel = "hotline", category = "transport", text = "公交延误" },
            new { id = t + "-a", type = "answered", ticketId = t, at },
        };
    }).ToList();
    var response = await http.PostAsJsonAsync("/api/events", events);
    response.EnsureSuccessStatusCode();
    total += batch;
    accepted.Add((total, clock.Elapsed));
    await Task.Delay(250);
}
await Task.Delay(3000);

var latencies = new List<double>();
var missed = 0;
foreach (var (received, at) in accepted)
    for (var c = 0; c < clients; c++)
    {
        var first = seen.Where(s => s.Client == c && s.Received >= received).Select(s => s.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        if (first == TimeSpan.MaxValue) missed++; else latencies.Add(Math.Max(0, (first - at).TotalMilliseconds));
    }
latencies.Sort();
double P(double q) => latencies.Count == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Count - 1, q * latencies.Count)];
Console.WriteLine($"wall latency: {clients} clients, {batches} batches of {batch} requests ({batches * batch * 2} events) over {accepted[^1].At.TotalSeconds - accepted[0].At.TotalSeconds:F1} s");
Console.WriteLine($"  messages delivered: {messages} ({messages / (double)clients:F1} per client)");
Console.WriteLine($"  event acceptance → client receipt: p50 {P(0.5):F0} ms, p99 {P(0.99):F0} ms, max {latencies.LastOrDefault():F0} ms; never seen: {missed}");
foreach (var h in connections) await h.DisposeAsync();
return 0;

async Task<int> CurrentReceived()
{
    var probe = new HubConnectionBuilder().WithUrl(server.TrimEnd('/') + "/hubs/wall", o => { if (!string.IsNullOrEmpty(token)) o.AccessTokenProvider = () => Task.FromResult<string?>(token); }).Build();
    var tcs = new TaskCompletionSource<int>();
    probe.On<JsonElement>("cityMetrics", m => tcs.TrySetResult(m.GetProperty("today").GetProperty("received").GetInt32()));
    await probe.StartAsync();
    await probe.InvokeAsync("Subscribe", "wall");
    var r = await tcs.Task.WaitAsync(TimeSpan.FromSeconds(10));
    await probe.DisposeAsync();
    return r;
}
