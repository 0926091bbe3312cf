using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hotline.Ops.Domain;
using Hotline.Ops.Host.Tests;
using Hotline.Ops.Replay;
using Microsoft.AspNetCore.SignalR.Client;

namespace Hotline.Ops.Cluster.Tests;

/// <summary>Three silos in separate processes on one fresh PostgreSQL database, and what the tests ask of them.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TestPostgres _db;
    public IReadOnlyList<SiloProcess> Silos { get; }
    public string LogDir { get; }
    /// <summary>The tokens the cluster generated (read from the first silo's tokens.json).</summary>
    public JsonElement Tokens { get; private set; }

    private TestCluster(TestPostgres db, IReadOnlyList<SiloProcess> silos, string logDir) => (_db, Silos, LogDir) = (db, silos, logDir);

    /// <param name="extra">Host options every silo gets after the cluster's own.</param>
    public static async Task<TestCluster> StartAsync(string name, int silos = 3, string[]? extra = null)
    {
        var db = await TestPostgres.CreateAsync();
        var logDir = Path.Combine(SiloProcess.RepositoryRoot, "TestResults", "cluster", $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(logDir);
        // A modest pool per silo: the test server's connections are shared with every other test running.
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { MaxPoolSize = 20 }.ConnectionString;
        var cluster = new TestCluster(db, Enumerable.Range(1, silos).Select(i => new SiloProcess($"silo{i}", connection, logDir, extra ?? [])).ToList(), logDir);
        try
        {
            // Started together: they race to create the schema and the shared tokens.
            await Task.WhenAll(cluster.Silos.Select(s => s.StartAsync()));
            cluster.Tokens = JsonDocument.Parse(File.ReadAllText(Path.Combine(cluster.Silos[0].DataDir, "tokens.json"))).RootElement.Clone();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>The cluster's database, for tests that change stored state behind the silos' backs.</summary>
    public string ConnectionString => _db.ConnectionString;

    public string Token(string role) => Tokens.GetProperty(role).GetString()!;

    public HttpClient Client(SiloProcess silo, string role = "admin")
    {
        var http = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token(role));
        return http;
    }

    public HubConnection Hub(SiloProcess silo) => new HubConnectionBuilder()
        .WithUrl(silo.Url + "/hubs/wall", o => o.AccessTokenProvider = () => Task.FromResult<string?>(Token("wall")))
        .Build();

    /// <summary>Every silo's output tail, appended to a failure so it can be diagnosed from the test log alone.</summary>
    public string Diagnose() => $"silo logs in {LogDir}\n" + string.Join('\n', Silos.Select(s => s.Tail()));

    /// <summary>Runs a test's body; a failure carries where the silos' logs are and their last lines.</summary>
    public async Task Diagnosed(Func<Task> body)
    {
        try { await body(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{Diagnose()}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Silos) await s.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>The reduced month of ReplayBulletinTests: a few units' published rows, E, B, C and A grades among them.</summary>
    public static readonly (string Channel, string Unit)[] Rows =
    [
        ("hotline", "市国资委"), ("hotline", "市工信局"), ("hotline", "市生态环境局"), ("hotline", "市城运集团"),
        ("hotline", "岳阳海关"), ("mailbox", "岳阳海关"), ("mailbox", "南湖新区"),
    ];

    public static IReadOnlyList<BulletinRow> Targets => Rows
        .Select(r => BulletinCsv.February2024.Single(x => Channels.Wire(x.Channel) == r.Channel && x.Unit == r.Unit)).ToList();

    public static GeneratedMonth Month() => MonthGenerator.Generate(ReplayRunner.LoadTargets(new ReplayOptions
    {
        Month = "2024-02",
        TargetsCsv = BulletinCsv.Format(Targets),
    }), seed: 7);

    /// <summary>
    /// Posts events as a feeder must after a silo died: until the cluster has declared it dead, a call that reaches a
    /// grain it held fails (503 with Retry-After and problem details, nothing accepted), and the feeder sends the same
    /// events again, as the replay does. Any other answer fails the test.
    /// </summary>
    public static async Task PostUntilAcceptedAsync(HttpClient feeder, object events, TimeSpan within)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await feeder.PostAsJsonAsync("/api/events", events);
            if (response.IsSuccessStatusCode) return;
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || waited.Elapsed > within)
                throw new HttpRequestException($"POST /api/events: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(Host.Api.ClusterUnavailableHandler.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Each retry of a send followed a silo's silence (killed or stopping) or a 503 (a call into a dead silo's grains before
    /// the cluster declared it dead): never a 500, which would say the server failed in a way a retry cannot mend.
    /// </summary>
    public static void AssertRetriedOnlyWhileUnavailable(SendTotals totals) =>
        Assert.All(totals.RetriedAfter.Keys, what => Assert.Contains(what, new[] { "503", "no answer", "timed out" }));

    /// <summary>Polls the consistency check until it is clean (recovery may still be completing reports); returns the last answer.</summary>
    public async Task<JsonElement> ConsistencyAsync(SiloProcess silo, TimeSpan within)
    {
        using var http = Client(silo);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var answer = await http.GetFromJsonAsync<JsonElement>("/api/ops/consistency?month=2024-02");
            if (answer.GetProperty("consistent").GetBoolean() || waited.Elapsed > within) return answer;
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>
    /// The bulletin CSVs equal those of an undisturbed run: the reduced month's targets define them exactly (the
    /// mailbox row of 南湖新区 is the bulletin's known discrepancy: printed 99.41, ours 98.82).
    /// </summary>
    public async Task AssertBulletinAsync(SiloProcess silo)
    {
        using var http = Client(silo);
        var ours = new List<BulletinRow>();
        foreach (var table in new[] { "hotline", "mailbox" })
            ours.AddRange(BulletinCsv.Parse(await http.GetStringAsync($"/api/bulletin/2024-02/{table}.csv")));
        var targets = Targets;
        Assert.Equal(targets.Count, ours.Count);
        foreach (var t in targets)
        {
            var o = ours.Single(x => x.Channel == t.Channel && x.Unit == t.Unit);
            static object Key(AssessmentCounts c) => (c.Due, c.Handled, c.OnTime, c.Rework, c.FollowUps, c.Dissatisfied);
            Assert.Equal(Key(t.Counts), Key(o.Counts));
            var expectedScore = t.Unit == "南湖新区" && t.Channel == AssessmentChannel.Mailbox ? 98.82m : t.PublishedScore;
            Assert.Equal((t.Unit, t.Channel, expectedScore, t.PublishedGrade), (o.Unit, o.Channel, o.PublishedScore, o.PublishedGrade));
        }
    }
}

/// <summary>Counts the replay's answered batches and runs an action (a kill, a restart) when a count is reached.</summary>
public sealed class BatchTrigger(IReadOnlyDictionary<int, Func<Task>> actions) : DelegatingHandler(new HttpClientHandler())
{
    private int _answered;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        if (request.RequestUri!.AbsolutePath.EndsWith("/api/events", StringComparison.Ordinal) && response.IsSuccessStatusCode
            && actions.TryGetValue(Interlocked.Increment(ref _answered), out var action))
            await action(); // while this lane waits, the others keep sending
        return response;
    }
}
