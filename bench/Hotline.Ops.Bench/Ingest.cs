using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Bench;

/// <summary>
/// Sustained ingest: <c>concurrency</c> feeders each POST batches back to back for the given time. Every feeder has its
/// own tickets; a ticket is a <c>received</c> request then its <c>dispatched</c> order to one of the registered units
/// (so each ticket writes its state twice and its unit's ledger once). Events of one ticket travel in order: in the
/// same batch, or in consecutive requests of the same feeder. With <c>dispatch</c> false every event is a new request
/// answered on the phone (ticket state only, no ledger): the ticket path alone.
/// </summary>
public static class Ingest
{
    public sealed record Result(bool Dispatch, int Batch, int Concurrency, double Seconds, long Events, long Accepted, long Other, double EventsPerSecond, double P50, double P99, double Max, double ServerCpuUsPerEvent);

    public static async Task<Result> RunAsync(string server, int batch, int concurrency, TimeSpan duration, TimeSpan warmUp, bool dispatch = true, Func<TimeSpan>? serverCpu = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency + 4 }) { BaseAddress = new Uri(server), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", ServerProcess.FeederToken);
        var units = SeedUnits.All.Select(u => u.Id).ToArray();
        var run = Guid.NewGuid().ToString("N")[..6];
        var clock = Stopwatch.StartNew();
        var measureFrom = warmUp;
        var until = warmUp + duration;
        var latencies = new List<double>[concurrency];
        long events = 0, accepted = 0;
        // Server CPU over the measured window: load-independent, unlike events/s on a shared machine.
        TimeSpan? cpuFrom = null, cpuTo = null;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(warmUp);
            cpuFrom = serverCpu?.Invoke();
            await Task.Delay(duration);
            cpuTo = serverCpu?.Invoke();
        });
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = [];
            long next = 0; // the feeder's next event: ticket next/2, received when even, dispatched when odd (received only: every event a ticket)
            var step = dispatch ? 1 : 2;
            var body = new StringBuilder();
            while (clock.Elapsed < until)
            {
                body.Clear().Append('[');
                for (var i = 0; i < batch; i++, next += step)
                {
                    if (i > 0) body.Append(',');
                    var ticket = $"I{run}-{w}-{next / 2}";
                    var at = DateTimeOffset.UtcNow.ToOffset(CityTime.Offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz");
                    if (next % 2 == 0)
                        body.Append($$"""{"id":"{{ticket}}-r","type":"received","ticketId":"{{ticket}}","at":"{{at}}","channel":"hotline","category":"transport","text":"公交站台积水","requestType":"help"}""");
                    else
                        body.Append($$"""{"id":"{{ticket}}-d","type":"dispatched","ticketId":"{{ticket}}","at":"{{at}}","unitId":"{{units[(next / 2 + w) % units.Length]}}"}""");
                }
                body.Append(']');
                var started = clock.Elapsed;
                using var content = new StringContent(body.ToString(), Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("/api/events", content);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"POST /api/events: {(int)response.StatusCode} {text}");
                var ended = clock.Elapsed;
                if (started < measureFrom || ended > until) continue;
                using var doc = JsonDocument.Parse(text);
                mine.Add((ended - started).TotalMilliseconds);
                Interlocked.Add(ref events, batch);
                Interlocked.Add(ref accepted, doc.RootElement.GetProperty("accepted").GetInt32());
            }
        }));
        await sampler;
        var all = latencies.SelectMany(l => l).Order().ToList();
        var seconds = duration.TotalSeconds;
        return new Result(dispatch, batch, concurrency, seconds, events, accepted, events - accepted, events / seconds,
            Stats.Percentile(all, 0.5), Stats.Percentile(all, 0.99), all.LastOrDefault(),
            cpuFrom is { } a && cpuTo is { } b && events > 0 ? (b - a).TotalMicroseconds / events : double.NaN);
    }
}
