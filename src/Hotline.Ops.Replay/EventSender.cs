using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay;

/// <summary>One event's answer from <c>POST /api/events</c>.</summary>
public sealed record EventResult(string? Id, string? Status, string? Reason);

/// <summary>The answer to a batch. <see cref="Results"/> may list only the events that were not accepted.</summary>
public sealed record EventBatchResponse(int Accepted, int Duplicates, int Rejected, IReadOnlyList<EventResult>? Results);

/// <summary>A failure that ends the run with a message and an exit code (no stack trace for the operator).</summary>
public sealed class ReplayException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Totals of a send, with the rejection reasons grouped (most frequent first).</summary>
/// <param name="RetriedAfter">The retries, by what the attempt before each got: the server's status (<c>503</c>: the cluster
/// could not serve it for now), <c>no answer</c> (no connection, or it broke) or <c>timed out</c>.</param>
public sealed record SendTotals(long Sent, long Accepted, long Duplicates, long Rejected, IReadOnlyList<RejectionGroup> Rejections, TimeSpan Elapsed,
    IReadOnlyDictionary<string, int> RetriedAfter)
{
    public int Retries => RetriedAfter.Values.Sum();
}

public sealed record RejectionGroup(string Reason, long Count, string ExampleEventId);

/// <summary>
/// Sends events to <c>POST {server}/api/events</c> in JSON-array batches. Events of one ticket must arrive in order,
/// so tickets are partitioned by a stable hash into lanes; lanes send concurrently, each sequentially, and all lanes
/// move through event time together (a window at a time). A failed request is retried on the next server with
/// backoff — never skipped: the server is idempotent per event id.
/// </summary>
public sealed class EventSender : IDisposable
{
    private readonly IReadOnlyList<Uri> _servers;
    private readonly SenderSettings _settings;
    private readonly HttpClient _http;
    private readonly object _gate = new();
    private readonly Dictionary<string, (long Count, string Example)> _reasons = [];
    private long _sent, _accepted, _duplicates, _rejected;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _retriedAfter = new(StringComparer.Ordinal);
    private long _currentTicks;
    private volatile string? _lastRetryReason;

    public EventSender(IReadOnlyList<Uri> servers, string? token, SenderSettings settings, HttpMessageHandler? handler = null)
    {
        if (servers.Count == 0) throw new ArgumentException("at least one server is needed", nameof(servers));
        // Relative "api/events" must resolve under a path base too: http://host/prefix → http://host/prefix/.
        _servers = servers.Select(u => u.AbsolutePath.EndsWith('/') ? u : new Uri(u + "/")).ToList();
        _settings = settings;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // per request, below
        if (!string.IsNullOrWhiteSpace(token)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Fails with exit code 3 and a one-line message when a server does not answer at all — at once, or after
    /// <paramref name="waitFor"/> of polling (a host replaying into itself starts before it listens).
    /// </summary>
    public async Task CheckReachableAsync(CancellationToken ct, TimeSpan waitFor = default)
    {
        var until = Stopwatch.StartNew();
        foreach (var server in _servers)
        {
            while (true)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(_settings.ConnectTimeout);
                try
                {
                    // Any HTTP answer (even 404) shows the server is there; only the connection matters here.
                    using var _ = await _http.GetAsync(new Uri(server, "health/live"), cts.Token);
                    break;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException)
                {
                    if (until.Elapsed >= waitFor) throw new ReplayException(3, $"Cannot reach server {server}: {Describe(ex)}");
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                }
            }
        }
    }

    /// <summary>
    /// Sends all events. With <paramref name="speed"/> &gt; 0 it paces on event time from <paramref name="paceFrom"/>
    /// (speed 60 = one minute of event time per second); events before it are a backlog sent at once.
    /// </summary>
    public async Task<SendTotals> SendAsync(IReadOnlyList<TicketEvent> events, DateTimeOffset paceFrom, double speed, TextWriter progress, CancellationToken ct)
    {
        var lanes = Math.Max(1, _settings.Lanes);
        var laneOf = new int[events.Count];
        for (var i = 0; i < events.Count; i++) laneOf[i] = (int)(StableHash.Of(events[i].TicketId ?? "") % (uint)lanes);
        var serverOf = Enumerable.Range(0, lanes).Select(l => l % _servers.Count).ToArray();

        var clock = Stopwatch.StartNew();
        using var progressCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progressTask = ReportProgressAsync(progress, clock, progressCts.Token);
        try
        {
            var cursor = 0;
            var window = lanes * _settings.BatchSize * 2;
            while (cursor < events.Count)
            {
                ct.ThrowIfCancellationRequested();
                var end = cursor;
                if (speed > 0)
                {
                    var horizon = paceFrom + clock.Elapsed * speed;
                    while (end < events.Count && end - cursor < window && events[end].At <= horizon) end++;
                    if (end == cursor)
                    {
                        var wait = (events[cursor].At!.Value - paceFrom) / speed - clock.Elapsed;
                        await Task.Delay(wait < TimeSpan.FromSeconds(1) ? (wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1)) : TimeSpan.FromSeconds(1), ct);
                        continue;
                    }
                }
                else end = Math.Min(events.Count, cursor + window);

                var perLane = new List<TicketEvent>[lanes];
                for (var l = 0; l < lanes; l++) perLane[l] = [];
                for (var i = cursor; i < end; i++) perLane[laneOf[i]].Add(events[i]);
                // A barrier per window keeps the lanes together in event time.
                await Task.WhenAll(perLane.Select((list, l) => SendLaneAsync(list, serverOf, l, ct)));
                Interlocked.Exchange(ref _currentTicks, events[end - 1].At!.Value.UtcTicks);
                cursor = end;
            }
        }
        finally
        {
            await progressCts.CancelAsync();
            await progressTask;
        }
        WriteProgress(progress, clock);
        return Totals(clock.Elapsed);
    }

    private async Task SendLaneAsync(List<TicketEvent> events, int[] serverOf, int lane, CancellationToken ct)
    {
        for (var i = 0; i < events.Count; i += _settings.BatchSize)
        {
            var batch = events.GetRange(i, Math.Min(_settings.BatchSize, events.Count - i));
            var response = await PostWithRetryAsync(batch, serverOf, lane, ct);
            Count(batch, response);
        }
    }

    private async Task<EventBatchResponse> PostWithRetryAsync(List<TicketEvent> batch, int[] serverOf, int lane, CancellationToken ct)
    {
        var body = EventJson.SerializeBatch(batch);
        string lastError = "", lastFailure = "";
        for (var attempt = 0; attempt < _settings.MaxAttempts; attempt++)
        {
            if (attempt > 0)
            {
                _retriedAfter.AddOrUpdate(lastFailure, 1, (_, n) => n + 1);
                _lastRetryReason = lastError;
                serverOf[lane] = (serverOf[lane] + 1) % _servers.Count; // the next server, round-robin
                var backoff = TimeSpan.FromMilliseconds(Math.Min(_settings.MaxBackoff.TotalMilliseconds, _settings.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1)));
                await Task.Delay(backoff, ct);
            }
            var server = _servers[serverOf[lane]];
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(_settings.RequestTimeout);
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var resp = await _http.PostAsync(new Uri(server, "api/events"), content, cts.Token);
                var text = await resp.Content.ReadAsStringAsync(cts.Token);
                if (resp.IsSuccessStatusCode)
                {
                    try
                    {
                        return JsonSerializer.Deserialize<EventBatchResponse>(text, EventJson.Options)
                            ?? throw new JsonException("empty answer");
                    }
                    catch (JsonException ex)
                    {
                        throw new ReplayException(4, $"Server {server} answered {(int)resp.StatusCode} with a body that is not a batch result: {ex.Message}");
                    }
                }
                if ((int)resp.StatusCode >= 500 || resp.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    lastError = $"{server} answered {(int)resp.StatusCode} {resp.ReasonPhrase}";
                    lastFailure = ((int)resp.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    continue;
                }
                throw new ReplayException(4, $"Server {server} refused the events: {(int)resp.StatusCode} {resp.ReasonPhrase}" +
                    (resp.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (check --token / HOTLINE_TOKEN)" : "") +
                    (text.Length > 0 ? $": {Shorten(text)}" : ""));
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException)
            {
                lastError = $"{server}: {Describe(ex)}";
                lastFailure = ex is OperationCanceledException ? "timed out" : "no answer";
            }
        }
        throw new ReplayException(3, $"Gave up after {_settings.MaxAttempts} attempts on batch starting with event {batch[0].Id}; last error: {lastError}");
    }

    private void Count(List<TicketEvent> batch, EventBatchResponse response)
    {
        // Ids not listed in the results were accepted.
        var listed = new Dictionary<string, EventResult>(StringComparer.Ordinal);
        foreach (var r in response.Results ?? [])
            if (r.Id is not null) listed[r.Id] = r;
        long accepted = 0, duplicates = 0, rejected = 0;
        lock (_gate)
        {
            foreach (var e in batch)
            {
                if (!listed.TryGetValue(e.Id!, out var r) || r.Status == "accepted") accepted++;
                else if (r.Status == "duplicate") duplicates++;
                else
                {
                    rejected++;
                    var reason = r.Reason ?? r.Status ?? "rejected";
                    _reasons[reason] = _reasons.TryGetValue(reason, out var g) ? (g.Count + 1, g.Example) : (1, e.Id!);
                }
            }
        }
        Interlocked.Add(ref _sent, batch.Count);
        Interlocked.Add(ref _accepted, accepted);
        Interlocked.Add(ref _duplicates, duplicates);
        Interlocked.Add(ref _rejected, rejected);
    }

    private SendTotals Totals(TimeSpan elapsed)
    {
        lock (_gate)
        {
            var groups = _reasons.Select(kv => new RejectionGroup(kv.Key, kv.Value.Count, kv.Value.Example))
                .OrderByDescending(g => g.Count).ThenBy(g => g.Reason, StringComparer.Ordinal).ToList();
            return new SendTotals(_sent, _accepted, _duplicates, _rejected, groups, elapsed, new Dictionary<string, int>(_retriedAfter, StringComparer.Ordinal));
        }
    }

    private async Task ReportProgressAsync(TextWriter progress, Stopwatch clock, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_settings.ProgressInterval, ct);
                WriteProgress(progress, clock);
            }
        }
        catch (OperationCanceledException) { }
    }

    private void WriteProgress(TextWriter progress, Stopwatch clock)
    {
        var sent = Interlocked.Read(ref _sent);
        var ticks = Interlocked.Read(ref _currentTicks);
        var at = ticks == 0 ? "-" : CityTime.ToCity(new DateTimeOffset(ticks, TimeSpan.Zero)).ToString("yyyy-MM-dd HH:mm");
        var rate = sent / Math.Max(0.001, clock.Elapsed.TotalSeconds);
        var retries = _retriedAfter.Values.Sum();
        lock (progress)
            progress.WriteLine($"sent {sent:N0} events, {rate:N0}/s, accepted {Interlocked.Read(ref _accepted):N0}, duplicates {Interlocked.Read(ref _duplicates):N0}, rejected {Interlocked.Read(ref _rejected):N0}, event time {at}" +
                (retries > 0 ? $", retries {retries:N0} (last: {_lastRetryReason})" : ""));
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "timed out",
        HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + "…";
}

/// <summary>How the sender batches, paces and retries.</summary>
public sealed record SenderSettings
{
    public int BatchSize { get; init; } = 500;
    public int Lanes { get; init; } = 4;
    public int MaxAttempts { get; init; } = 20;
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);
}
