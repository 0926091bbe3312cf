using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Hotline.Ops.Contracts;
using Hotline.Ops.Host;
using Hotline.Ops.Host.Api;
using Microsoft.AspNetCore.Builder;

namespace Hotline.Ops.Host.Tests;

/// <summary>The real server (Kestrel on loopback, an Orleans silo, real storage) started in this process.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public HttpClient Http { get; }
    public string Url { get; }
    public string DataDir { get; }

    private RunningServer(WebApplication app, string url, string dataDir)
    {
        _app = app;
        Url = url;
        DataDir = dataDir;
        Http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
    }

    public static async Task<RunningServer> StartAsync(string? dataDir = null, string? postgres = null, params string[] extra)
    {
        dataDir ??= Path.Combine(Path.GetTempPath(), "hotline-test-" + Guid.NewGuid().ToString("N"));
        var url = $"http://127.0.0.1:{FreePort()}";
        var args = new List<string> { "--urls", url, "--data-dir", dataDir, "--silo-port", FreePort().ToString(), "--gateway-port", FreePort().ToString() };
        if (postgres is not null) args.AddRange(["--postgres", postgres]);
        args.AddRange(extra);
        var app = HotlineServer.Build([.. args]);
        await app.StartAsync();
        var server = new RunningServer(app, url, dataDir);
        for (var i = 0; i < 100; i++)
        {
            if ((await server.Http.GetAsync("/health/ready")).IsSuccessStatusCode) return server;
            await Task.Delay(100);
        }
        throw new TimeoutException("the server did not become ready");
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async Task<EventBatchResult> PostEventsAsync(object events)
    {
        var response = await Http.PostAsJsonAsync("/api/events", events, HotlineSerialization.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<EventBatchResult>(HotlineSerialization.Json))!;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
