using System.Net;
using System.Text.Json;
using Hotline.Ops.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hotline.Ops.Replay.Tests;

/// <summary>Shared across servers: every accepted batch in arrival order.</summary>
public sealed class Recorder
{
    public readonly List<(string Server, List<TicketEvent> Events)> Batches = [];
    public int Requests;
}

/// <summary>A tiny real Kestrel endpoint on 127.0.0.1:0 that records the bodies of POST /api/events.</summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public Uri Url { get; }
    public int Failures;

    private RecordingServer(WebApplication app, Uri url) { _app = app; Url = url; }

    /// <param name="failWith">status to answer for the n-th POST (0-based), or null to accept</param>
    /// <param name="reject">reason to reject an event with, or null</param>
    public static async Task<RecordingServer> StartAsync(string name, Recorder recorder, Func<int, int?>? failWith = null, Func<TicketEvent, string?>? reject = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        RecordingServer? self = null;
        var posts = 0;
        app.Use(async (ctx, next) => { Interlocked.Increment(ref recorder.Requests); await next(ctx); });
        app.MapPost("/api/events", async (HttpContext ctx) =>
        {
            var n = Interlocked.Increment(ref posts) - 1;
            if (failWith?.Invoke(n) is { } status)
            {
                Interlocked.Increment(ref self!.Failures);
                return Results.StatusCode(status);
            }
            var events = await JsonSerializer.DeserializeAsync<List<TicketEvent>>(ctx.Request.Body, EventJson.Options) ?? [];
            var results = new List<EventResult>();
            foreach (var e in events)
                if (reject?.Invoke(e) is { } reason) results.Add(new EventResult(e.Id, "rejected", reason));
            lock (recorder.Batches) recorder.Batches.Add((name, events));
            return Results.Json(new EventBatchResponse(events.Count - results.Count, 0, results.Count, results), EventJson.Options);
        });
        await app.StartAsync();
        self = new RecordingServer(app, new Uri(app.Urls.First() + "/"));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

}
