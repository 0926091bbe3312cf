using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Hotline.Ops.Domain;
using Hotline.Ops.Host;
using Microsoft.AspNetCore.Builder;

namespace Hotline.Ops.Browser.Tests;

/// <summary>
/// The real server (Kestrel on loopback, an Orleans silo, SQLite in a temporary folder) started in this process.
/// A small copy of the Host tests' helper, so that the two test projects stay independent.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public HttpClient Http { get; }
    public string Url { get; }
    public string DataDir { get; }
    /// <summary>The data directory when this server made it (deleted on dispose); null when the test passed its own.</summary>
    private readonly TestDataDir? _ownDir;

    private RunningServer(WebApplication app, string url, string dataDir, TestDataDir? ownDir)
    {
        _app = app;
        _ownDir = ownDir;
        Url = url;
        DataDir = dataDir;
        Http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        // The server generated its tokens into the data dir at start: the tests act as the admin, the page as the wall.
        var tokens = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "tokens.json"))).RootElement;
        AdminToken = tokens.GetProperty("admin").GetString()!;
        WallToken = tokens.GetProperty("wall").GetString()!;
        LeadToken = tokens.GetProperty("lead").GetString()!;
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public string AdminToken { get; }
    public string WallToken { get; }
    public string LeadToken { get; }

    /// <summary>
    /// Starts a server; pass the url and data dir of a stopped one to restart it where it was. A test that restarts
    /// a server passes its own <see cref="TestDataDir"/>: a server deletes only the directory it made.
    /// </summary>
    public static async Task<RunningServer> StartAsync(string? url = null, string? dataDir = null)
    {
        var ownDir = dataDir is null ? new TestDataDir() : null;
        dataDir ??= ownDir!;
        url ??= $"http://127.0.0.1:{TestPorts.Free()}";
        // The content root is the Host project's folder: its wwwroot holds the wall page and the npm libraries that
        // the Host build copied into wwwroot/lib (a test's own output folder has no wwwroot).
        var contentRoot = Path.Combine(Repo.Root, "src", "Hotline.Ops.Host");
        var app = HotlineServer.Build(
        [
            "--urls", url, "--data-dir", dataDir, "--silo-port", TestPorts.Free().ToString(), "--gateway-port", TestPorts.Free().ToString(),
            "--contentRoot", contentRoot,
        ]);
        await app.StartAsync();
        var server = new RunningServer(app, url, dataDir, ownDir);
        for (var i = 0; i < 150; i++)
        {
            if ((await server.Http.GetAsync("/health/ready")).IsSuccessStatusCode) return server;
            await Task.Delay(100);
        }
        throw new TimeoutException("the server did not become ready");
    }


    /// <summary>Posts a batch to /api/events and returns the per-event answer; fails the test unless all were accepted.</summary>
    public async Task<JsonElement> PostEventsAsync(IEnumerable<object> events)
    {
        var list = events.ToList();
        var response = await Http.PostAsJsonAsync("/api/events", list);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/events: {(int)response.StatusCode} {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.True(json.GetProperty("accepted").GetInt32() == list.Count, $"not every event was accepted: {body}");
        return json;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ownDir?.Dispose();
    }
}

/// <summary>The repository root (the folder holding Hotline.Ops.sln), found by walking up from the test binaries.</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hotline.Ops.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Hotline.Ops.sln above {AppContext.BaseDirectory}");
    }

    public static string Screenshots
    {
        get
        {
            var dir = Path.Combine(Root, "TestResults", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }
}

/// <summary>Event times in the city's offset, as the feed sends them.</summary>
public static class CityClock
{
    public static readonly TimeSpan Offset = CityTime.Offset;
    public static DateTimeOffset Now => DateTimeOffset.UtcNow.ToOffset(Offset);
    /// <summary>
    /// Now less <paramref name="ago"/>, but not before today's midnight in city time. The wall counts today and the
    /// ledgers the month: a test run just after midnight (16:00 UTC) must not post its events into yesterday.
    /// </summary>
    public static DateTimeOffset Ago(TimeSpan ago)
    {
        var now = Now;
        var midnight = CityTime.StartOfDay(CityTime.Date(now));
        return now - ago < midnight ? midnight : now - ago;
    }
    public static string Iso(DateTimeOffset t) => t.ToOffset(Offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
}
