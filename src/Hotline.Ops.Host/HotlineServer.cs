using Orleans.Serialization;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Hotline.Ops.Host.Api;
using Hotline.Ops.Host.Auth;
using Hotline.Ops.Host.Storage;
using Orleans.Configuration;

namespace Hotline.Ops.Host;

/// <summary>Builds the server: one Orleans silo with the HTTP API, the hub and the pages on top of it.</summary>
public static class HotlineServer
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Configuration is read once: reloading it would watch the content root recursively, and with the data directory
        // under the working directory every storage write woke the file watcher (profiled: ~4 % of the CPU under ingest).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. ServerOptions.Normalise(args), "--hostBuilder:reloadConfigOnChange=false"] });
        builder.Configuration.AddCommandLine(ServerOptions.Normalise(args), ServerOptions.Switches);
        configure?.Invoke(builder);
        var options = ServerOptions.From(builder.Configuration);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(ServerOptions.DefaultUrl);

        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        // The schema is ours and applied (idempotently) before the silo reads a single query from it.
        string? sqlite = null;
        if (options.Postgres is { } postgres) SchemaInstaller.ApplyPostgresAsync(postgres, CancellationToken.None).GetAwaiter().GetResult();
        else SchemaInstaller.ApplySqliteAsync(sqlite = SchemaInstaller.SqliteConnectionString(dataDir), CancellationToken.None).GetAwaiter().GetResult();
        builder.Services.AddSingleton(options);
        if (options.Clock == "event")
        {
            var eventClock = new EventClock(TimeProvider.System);
            builder.Services.AddSingleton(new CityClock(eventClock));
            builder.Services.AddSingleton<IEventTimeSink>(eventClock);
        }
        else
        {
            builder.Services.AddSingleton(new CityClock(TimeProvider.System));
            builder.Services.AddSingleton<IEventTimeSink, NoEventTimeSink>();
        }
        builder.Services.AddSingleton<ActivityBuffer>();
        builder.Services.AddSingleton<EmergencyRules>();
        builder.Services.AddSingleton(WorkingCalendar.China);
        // Deadlines and grade bounds are configuration (appsettings.json, environment, command line).
        builder.Services.AddSingleton(builder.Configuration.GetSection("Hotline:Deadlines").Get<DeadlinePolicy>() ?? DeadlinePolicy.Default);
        builder.Services.AddSingleton(builder.Configuration.GetSection("Hotline:GradeBounds").Get<GradeBounds>() ?? GradeBounds.Default);
        builder.Services.AddSingleton<TicketRulesProvider>();
        builder.Services.AddSingleton(new TicketResidency(options.TicketResidentLimit));
        builder.Services.AddSingleton(new TicketAnswering(options.TicketsAnswerOnceStored));
        builder.Services.AddSingleton<OutboxWatermark>().AddHostedService(sp => sp.GetRequiredService<OutboxWatermark>());
        builder.Services.AddSingleton(QueuesApi.Settings(builder.Configuration));

        builder.UseOrleans(silo =>
        {
            silo.Services.AddSerializer(s => s.AddHotlineSerialization());
            silo.Configure<ClusterOptions>(o => { o.ClusterId = HotlineCluster.ClusterId; o.ServiceId = HotlineCluster.ServiceId; });
            if (options.Postgres is { } pg)
            {
                silo.ConfigureClusterEndpoints(options);
                silo.UseHotlinePostgres(pg, options.WriteBatching);
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort);
                silo.UseHotlineSqlite(sqlite!, options.WriteBatching);
            }
        });

        var tokens = options.Postgres is { } shared
            ? TokenStore.LoadShared(builder.Configuration, dataDir, SeedUnits.All.Select(u => u.Id), shared)
            : TokenStore.Load(builder.Configuration, dataDir, SeedUnits.All.Select(u => u.Id));
        builder.Services.AddSingleton(tokens);
        builder.Services.AddHotlineAccess();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<Api.ClusterUnavailableHandler>();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = HotlineSerialization.Json.DefaultIgnoreCondition;
            foreach (var c in HotlineSerialization.Json.Converters) o.SerializerOptions.Converters.Add(c);
        });
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddHostedService<UnitSeeder>();
        builder.Services.AddHostedService<SiloHeartbeat>();
        builder.Services.AddSingleton(sp => new StoredTickets(options.Postgres, sqlite, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId));
        builder.Services.AddSingleton<IStoredOutboxWatermarks>(sp => sp.GetRequiredService<StoredTickets>());
        builder.Services.AddHostedService<Cluster.OutboxRecovery>();
        builder.Services.AddSingleton<Diagnostics.GcPauses>().AddHostedService(sp => sp.GetRequiredService<Diagnostics.GcPauses>());
        if (options.Demo) builder.Services.AddHostedService<DemoReplay>();
        // Registered after the silo: started once it runs, stopped before it stops.
        builder.Services.AddSingleton<WallOutbox>().AddHostedService(sp => sp.GetRequiredService<WallOutbox>());
        builder.Services.AddSingleton<WallHubBridge>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WallHubBridge>());
        builder.Services.AddSignalR().AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.DefaultIgnoreCondition = HotlineSerialization.Json.DefaultIgnoreCondition;
            foreach (var c in HotlineSerialization.Json.Converters) o.PayloadSerializerOptions.Converters.Add(c);
        });
        builder.Services.AddSingleton<BulletinService>();
        builder.Services.AddSingleton(builder.Configuration.GetSection("Hotline:Bulletin").Get<BulletinRules>() ?? BulletinRules.Default);
        builder.Services.AddSingleton<EventIngest>();

        var app = builder.Build();
        // Where the generated tokens are, never the tokens themselves.
        if (tokens.FilePath is { } tokenFile) app.Logger.LogInformation("API tokens (one per role and per unit) are in {Path}", tokenFile);
        else app.Logger.LogInformation("API tokens come from configuration (Hotline:Tokens)");
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Static files (the wall page and its libraries) are public: the page carries its token to the hub itself.
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" })).AllowAnonymous();
        app.MapGet("/health/ready", (Readiness r) => r.IsReady ? Results.Ok(new { status = "ready" }) : Results.Problem("starting", statusCode: 503)).AllowAnonymous();
        app.MapGet("/wall", (IWebHostEnvironment env) => WallPage(env, "wall")).AllowAnonymous();
        // The unit portal (its files under /portal/): the page is open like the wall's; its data needs the unit's own
        // token or a centre one.
        app.MapGet("/unit/{id}", (IWebHostEnvironment env) => WallPage(env, "portal")).AllowAnonymous();
        app.MapGet("/lead", (IWebHostEnvironment env) => WallPage(env, "lead")).AllowAnonymous();
        // Any holder of a token may connect; each topic then checks its own rule (WallHub.Subscribe).
        app.MapHub<WallHub>("/hubs/wall").RequireAuthorization();
        app.MapEventsApi();
        app.MapUnitsApi();
        app.MapTicketsApi();
        app.MapBulletinApi();
        app.MapAdjustmentsApi();
        app.MapConsistencyApi();
        app.MapSurgesApi();
        app.MapEmergenciesApi();
        app.MapQueuesApi();
        app.MapRuntimeApi();
        return app;
    }

    private static IResult WallPage(IWebHostEnvironment env, string page)
    {
        var file = env.WebRootFileProvider.GetFileInfo($"{page}/index.html");
        return file.Exists ? Results.File(file.CreateReadStream(), "text/html; charset=utf-8") : Results.Problem($"the {page} page is not built", statusCode: 404);
    }
}

/// <summary>Ready once the silo runs and the units registry is seeded.</summary>
public sealed class Readiness
{
    private volatile bool _ready;
    public bool IsReady => _ready;
    public void MarkReady() => _ready = true;
}

/// <summary>
/// Start-up after the silo: restores the event clock, registers the reference bulletin's units on the first start of
/// a fresh store, and wakes the unit ledgers around now so their deadline watch resumes (the embedded mode keeps
/// reminders in memory; the cluster's reminders would do it too).
/// </summary>
public sealed class UnitSeeder(IGrainFactory grains, Readiness readiness, CityClock clock, EmergencyRules emergencies, TokenStore tokens,
    IHostApplicationLifetime lifetime, ILogger<UnitSeeder> logger) : IHostedService
{
    private static readonly TimeSpan WakeAgainAfter = TimeSpan.FromSeconds(5);

    public async Task StartAsync(CancellationToken ct)
    {
        if (clock.Source is EventClock ec && await grains.GetGrain<IClockGrain>(0).Get() is { } highWater) ec.Observe(highWater);
        var registry = grains.GetGrain<IUnitRegistryGrain>(0);
        var n = await registry.SeedIfEmpty(SeedUnits.All);
        if (n > 0) logger.LogInformation("Registered {Count} responsible units from the reference bulletin", n);
        foreach (var u in await registry.List()) tokens.EnsureUnit(u.Id);
        var now = CityTime.ToCity(clock.GetUtcNow());
        var months = Enumerable.Range(-2, 4).Select(d => CityTime.MonthOf(now.AddMonths(d))).ToList();
        // A ledger that does not wake now is woken again in the background: one ledger's activation, cancelled during a
        // rolling restart under a replay, once failed a restarting silo's whole start in CI.
        var asleep = await WakeLedgers((await registry.List()).SelectMany(u => months.Select(m => UnitKeys.Month(u.Id, m))).ToList());
        if (asleep.Count > 0) _ = WakeUntilAwake(asleep, lifetime.ApplicationStopping);
        // Active emergencies match from the first request after a restart, not from the first refresh.
        await emergencies.RefreshAsync(grains);
        // The queue board pushes queueStatus once a second from now on.
        await grains.GetGrain<IQueueBoardGrain>(0).Wake();
        readiness.MarkReady();
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Wakes the ledgers; returns the keys of those that failed, after logging the first failure.</summary>
    private async Task<List<string>> WakeLedgers(IReadOnlyList<string> keys)
    {
        var results = await Task.WhenAll(keys.Select(async key =>
        {
            try { await grains.GetGrain<IUnitMonthGrain>(key).Wake(); return (Key: key, Error: (Exception?)null); }
            catch (Exception ex) { return (Key: key, Error: ex); }
        }));
        var failed = results.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
            logger.LogWarning(failed[0].Error, "{Count} of {Total} unit ledgers did not wake; waking them again in {Seconds} s", failed.Count, keys.Count, WakeAgainAfter.TotalSeconds);
        return failed.Select(f => f.Key).ToList();
    }

    private async Task WakeUntilAwake(List<string> asleep, CancellationToken stopping)
    {
        try
        {
            while (asleep.Count > 0)
            {
                await Task.Delay(WakeAgainAfter, stopping);
                asleep = await WakeLedgers(asleep);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }
}
