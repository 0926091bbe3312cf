using Orleans.Serialization;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Grains;
using Hotline.Ops.Host.Api;
using Hotline.Ops.Host.Storage;
using Orleans.Configuration;

namespace Hotline.Ops.Host;

/// <summary>Builds the server: one Orleans silo with the HTTP API, the hub and the pages on top of it.</summary>
public static class HotlineServer
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ServerOptions.Normalise(args) });
        builder.Configuration.AddCommandLine(ServerOptions.Normalise(args), ServerOptions.Switches);
        configure?.Invoke(builder);
        var options = ServerOptions.From(builder.Configuration);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(ServerOptions.DefaultUrl);

        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(WorkingCalendar.China);
        builder.Services.AddSingleton(DeadlinePolicy.Default);
        builder.Services.AddSingleton(GradeBounds.Default);
        builder.Services.AddSingleton<TicketRulesProvider>();

        builder.UseOrleans(silo =>
        {
            silo.Services.AddSerializer(s => s.AddHotlineSerialization());
            silo.Configure<ClusterOptions>(o => { o.ClusterId = "hotline"; o.ServiceId = "hotline-ops"; });
            if (options.Postgres is { } pg)
            {
                silo.ConfigureEndpoints(System.Net.IPAddress.Loopback, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
                silo.UseHotlinePostgres(pg);
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort);
                silo.UseHotlineSqlite(Path.Combine(dataDir, "hotline.db"));
            }
        });

        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = HotlineSerialization.Json.DefaultIgnoreCondition;
            foreach (var c in HotlineSerialization.Json.Converters) o.SerializerOptions.Converters.Add(c);
        });
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddHostedService<UnitSeeder>();
        builder.Services.AddSingleton<BulletinService>();
        builder.Services.AddSingleton<EventIngest>();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
        app.MapGet("/health/ready", (Readiness r) => r.IsReady ? Results.Ok(new { status = "ready" }) : Results.Problem("starting", statusCode: 503));
        app.MapEventsApi();
        app.MapUnitsApi();
        app.MapTicketsApi();
        app.MapBulletinApi();
        return app;
    }
}

/// <summary>Ready once the silo runs and the units registry is seeded.</summary>
public sealed class Readiness
{
    private volatile bool _ready;
    public bool IsReady => _ready;
    public void MarkReady() => _ready = true;
}

/// <summary>Registers the units of the reference bulletin once, on the first start of a fresh store.</summary>
public sealed class UnitSeeder(IGrainFactory grains, Readiness readiness, ILogger<UnitSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var n = await grains.GetGrain<IUnitRegistryGrain>(0).SeedIfEmpty(SeedUnits.All);
        if (n > 0) logger.LogInformation("Registered {Count} responsible units from the reference bulletin", n);
        readiness.MarkReady();
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
