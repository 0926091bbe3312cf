using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Hotline.Ops.Contracts;
using Hotline.Ops.Host;
using Hotline.Ops.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;

namespace Hotline.Ops.Host.Tests;

/// <summary>The real server (Kestrel on loopback, an Orleans silo, real storage) started in this process.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public HttpClient Http { get; }
    public string Url { get; }
    public string DataDir { get; }
    /// <summary>The server's services (its silo's singletons among them).</summary>
    public IServiceProvider Services => _app.Services;
    /// <summary>The generated tokens (role → token, unit id → token), or null when they come from configuration.</summary>
    public ServerTokens? Tokens { get; }

    /// <summary>The data directory when this server made it (deleted on dispose); null when the test passed its own.</summary>
    private readonly TestDataDir? _ownDir;

    private RunningServer(WebApplication app, string url, string dataDir, TestDataDir? ownDir)
    {
        _app = app;
        _ownDir = ownDir;
        Url = url;
        DataDir = dataDir;
        Tokens = ServerTokens.Read(dataDir);
        // The admin may do everything: tests that are not about access control act as the admin.
        Http = Client(Tokens?.Admin);
    }

    /// <summary>A client that presents <paramref name="token"/> (none when null).</summary>
    public HttpClient Client(string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A hub connection to /hubs/wall with <paramref name="token"/> (the admin's by default).</summary>
    public Microsoft.AspNetCore.SignalR.Client.HubConnection Hub(string? token = null)
    {
        token ??= Tokens?.Admin;
        return new Microsoft.AspNetCore.SignalR.Client.HubConnectionBuilder()
            .WithUrl(Url + "/hubs/wall", o => o.AccessTokenProvider = () => Task.FromResult(token))
            .Build();
    }

    public static async Task<RunningServer> StartAsync(string? dataDir = null, string? postgres = null, params string[] extra)
    {
        var ownDir = dataDir is null ? new TestDataDir() : null;
        dataDir ??= ownDir!;
        var url = $"http://127.0.0.1:{TestPorts.Free()}";
        var args = new List<string> { "--urls", url, "--data-dir", dataDir, "--silo-port", TestPorts.Free().ToString(), "--gateway-port", TestPorts.Free().ToString() };
        if (postgres is not null) args.AddRange(["--postgres", postgres]);
        args.AddRange(extra);
        var app = HotlineServer.Build([.. args]);
        await app.StartAsync();
        var server = new RunningServer(app, url, dataDir, ownDir);
        for (var i = 0; i < 100; i++)
        {
            if ((await server.Http.GetAsync("/health/ready")).IsSuccessStatusCode) return server;
            await Task.Delay(100);
        }
        throw new TimeoutException("the server did not become ready");
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
        _ownDir?.Dispose();
    }
}

/// <summary><c>&lt;data-dir&gt;/tokens.json</c> as the server generated it.</summary>
public sealed record ServerTokens(string Admin, string Lead, string Wall, string Feeder, IReadOnlyDictionary<string, string> Units)
{
    public static ServerTokens? Read(string dataDir)
    {
        var path = Path.Combine(dataDir, "tokens.json");
        if (!File.Exists(path)) return null;
        var doc = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        return new ServerTokens(doc.GetProperty("admin").GetString()!, doc.GetProperty("lead").GetString()!, doc.GetProperty("wall").GetString()!,
            doc.GetProperty("feeder").GetString()!,
            doc.GetProperty("units").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
    }
}
