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
    /// <param name="Offered">Events/s offered by an open-loop run (<see cref="RunAtRateAsync"/>); 0 for feeders posting back to back.</param>
    /// <param name="From">When the measured window began, on the machine's clock (for the server's GC pauses in it).</param>
    /// <param name="To">When it ended: the last measured answer.</param>
    /// <param name="Gc">The server's garbage-collection pauses in the window (<see cref="ServerProcess.GcPausesAsync"/>), added by the caller.</param>
    public sealed record Result(bool Dispatch, int Batch, int Concurrency, double Seconds, long Events, long Accepted, long Other, double EventsPerSecond, double P50, double P99, double Max, double ServerCpuUsPerEvent,
        double Offered, DateTimeOffset From, DateTimeOffset To, GcPausesDuring? Gc = null);

    public static async Task<Result> RunAsync(string server, int batch, int concurrency, TimeSpan duration, TimeSpan warmUp, bool dispatch = true, Func<TimeSpan>? serverCpu = null)
    {
        using var http = Feeder(server, concurrency + 4);
        var units = SeedUnits.All.Select(u => u.Id).ToArray();
        var run = Guid.NewGuid().ToString("N")[..6];
        var clock = Stopwatch.StartNew();
        var measureFrom = warmUp;
        var until = warmUp + duration;
        var latencies = new List<double>[concurrency];
        long events = 0, accepted = 0;
        // Server CPU over the measured window: load-independent, unlike events/s on a shared machine.
        TimeSpan? cpuFrom = null, cpuTo = null;
        DateTimeOffset from = default, to = default;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(warmUp);
            (cpuFrom, from) = (serverCpu?.Invoke(), DateTimeOffset.UtcNow);
            await Task.Delay(duration);
            (cpuTo, to) = (serverCpu?.Invoke(), DateTimeOffset.UtcNow);
        });
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = [];
            long next = 0; // the feeder's next event: ticket next/2, received when even, dispatched when odd (received only: every event a ticket)
            var step = dispatch ? 1 : 2;
            var body = new StringBuilder();
            while (clock.Elapsed < until)
            {
                next = AppendBatch(body.Clear(), run, w, next, batch, step, units);
                var started = clock.Elapsed;
                var answeredAccepted = await PostAsync(http, body.ToString());
                var ended = clock.Elapsed;
                if (started < measureFrom || ended > until) continue;
                mine.Add((ended - started).TotalMilliseconds);
                Interlocked.Add(ref events, batch);
                Interlocked.Add(ref accepted, answeredAccepted);
            }
        }));
        await sampler;
        return Summarise(dispatch, batch, concurrency, duration, duration.TotalSeconds, events, accepted, latencies.SelectMany(l => l), cpuFrom, cpuTo, offered: 0, from, to);
    }

    /// <summary>
    /// Open loop: a batch of <paramref name="batch"/> events (<paramref name="batch"/>/2 whole tickets, received and
    /// dispatched) is due every batch/rate seconds whether or not the earlier ones were answered, as callers arrive at
    /// a hotline. Latency runs from when a batch was due, not when it could be sent, so a server that falls behind
    /// shows it in the percentiles instead of slowing the load down. Events/s is the measured window's events over the
    /// time until the last of them was answered.
    /// </summary>
    public static async Task<Result> RunAtRateAsync(string server, int batch, double eventsPerSecond, TimeSpan duration, TimeSpan warmUp, Func<TimeSpan>? serverCpu = null)
    {
        if (batch % 2 != 0) throw new ArgumentException("an open-loop batch carries whole tickets: an even number of events", nameof(batch));
        const int MaxInFlight = 256;
        using var http = Feeder(server, MaxInFlight);
        var units = SeedUnits.All.Select(u => u.Id).ToArray();
        var run = Guid.NewGuid().ToString("N")[..6];
        var every = TimeSpan.FromSeconds(batch / eventsPerSecond);
        var until = warmUp + duration;
        var slots = new SemaphoreSlim(MaxInFlight);
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        long events = 0, accepted = 0, lastAnswer = 0;
        TimeSpan? cpuFrom = null;
        DateTimeOffset from = default;
        var sending = new List<Task>();
        var clock = Stopwatch.StartNew();
        long next = 0;
        for (var k = 0; ; k++)
        {
            var due = every * k;
            if (due >= until) break;
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var measured = due >= warmUp;
            if (measured && cpuFrom is null) (cpuFrom, from) = (serverCpu?.Invoke(), DateTimeOffset.UtcNow);
            var body = new StringBuilder();
            next = AppendBatch(body, run, 0, next, batch, 1, units);
            await slots.WaitAsync();
            sending.Add(Send(body.ToString(), due, measured));
        }
        await Task.WhenAll(sending);
        var (cpuTo, to) = (serverCpu?.Invoke(), DateTimeOffset.UtcNow);
        var seconds = Math.Max(duration.TotalSeconds, TimeSpan.FromTicks(Interlocked.Read(ref lastAnswer)).TotalSeconds - warmUp.TotalSeconds);
        return Summarise(true, batch, MaxInFlight, duration, seconds, events, accepted, latencies, cpuFrom, cpuTo, offered: eventsPerSecond, from, to);

        async Task Send(string body, TimeSpan due, bool measured)
        {
            try
            {
                var answeredAccepted = await PostAsync(http, body);
                var answered = clock.Elapsed;
                if (!measured) return;
                latencies.Add((answered - due).TotalMilliseconds);
                Interlocked.Add(ref events, batch);
                Interlocked.Add(ref accepted, answeredAccepted);
                long seen;
                while ((seen = Interlocked.Read(ref lastAnswer)) < answered.Ticks && Interlocked.CompareExchange(ref lastAnswer, answered.Ticks, seen) != seen) { }
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private static HttpClient Feeder(string server, int connections)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { BaseAddress = new Uri(server), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", ServerProcess.FeederToken);
        return http;
    }

    /// <summary>Posts one batch; returns how many of its events were accepted (anything but 200 ends the run).</summary>
    private static async Task<int> PostAsync(HttpClient http, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/events", content);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"POST /api/events: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("accepted").GetInt32();
    }

    /// <summary>The result of a run: latency percentiles and the server's CPU per event over the measured window.</summary>
    private static Result Summarise(bool dispatch, int batch, int concurrency, TimeSpan duration, double seconds, long events, long accepted,
        IEnumerable<double> latencies, TimeSpan? cpuFrom, TimeSpan? cpuTo, double offered, DateTimeOffset from, DateTimeOffset to)
    {
        var all = latencies.Order().ToList();
        return new Result(dispatch, batch, concurrency, duration.TotalSeconds, events, accepted, events - accepted, events / seconds,
            Stats.Percentile(all, 0.5), Stats.Percentile(all, 0.99), all.LastOrDefault(),
            cpuFrom is { } a && cpuTo is { } b && events > 0 ? (b - a).TotalMicroseconds / events : double.NaN, offered, from, to);
    }

    /// <summary>Appends a JSON array of <paramref name="batch"/> events from the feeder's event number <paramref name="next"/>; returns the next number.
    /// Event n is ticket n/2: received when even, dispatched when odd (step 2: received only, every event a new ticket).</summary>
    private static long AppendBatch(StringBuilder body, string run, int feeder, long next, int batch, int step, string[] units)
    {
        body.Append('[');
        for (var i = 0; i < batch; i++, next += step)
        {
            if (i > 0) body.Append(',');
            var ticket = $"I{run}-{feeder}-{next / 2}";
            var at = DateTimeOffset.UtcNow.ToOffset(CityTime.Offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz");
            if (next % 2 == 0)
                body.Append($$"""{"id":"{{ticket}}-r","type":"received","ticketId":"{{ticket}}","at":"{{at}}","channel":"hotline","category":"transport","text":"公交站台积水","requestType":"help"}""");
            else
                body.Append($$"""{"id":"{{ticket}}-d","type":"dispatched","ticketId":"{{ticket}}","at":"{{at}}","unitId":"{{units[(next / 2 + feeder) % units.Length]}}"}""");
        }
        body.Append(']');
        return next;
    }
}
