using Hotline.Ops.Replay;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hotline.Ops.Host;

/// <summary>
/// --demo: replays February 2024 into this server in the background at a watchable speed, so a newcomer sees the wall
/// come alive. It goes through the public event API like any feed; a restarted demo resends and gets duplicates.
/// </summary>
public sealed class DemoReplay(IServer server, IHostApplicationLifetime lifetime, ServerOptions options, Readiness readiness, Auth.TokenStore tokens, ILogger<DemoReplay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // The silo can be ready before Kestrel has bound: the addresses are known only once the application started.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(ct);
        while (!readiness.IsReady && !ct.IsCancellationRequested) await Task.Delay(200, ct);
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? ServerOptions.DefaultUrl;
        var url = new Uri(address.Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://+", "://127.0.0.1"));
        logger.LogInformation("Demo: replaying February 2024 into {Url} at speed {Speed} (minutes of the month per minute)", url, options.DemoSpeed);
        try
        {
            var summary = await ReplayRunner.RunAsync(new ReplayOptions
            {
                Servers = [url],
                Month = "2024-02",
                // The demo is a feed like any other: it posts with the feeder's token (the admin's if only that is configured).
                Token = tokens.RoleToken(Auth.Roles.Feeder) ?? tokens.RoleToken(Auth.Roles.Admin),
                Speed = options.DemoSpeed,
                WaitForServers = TimeSpan.FromSeconds(30),
                // The demo shows the queues too: calls and agents on top of the tickets.
                Calls = true,
            }, TextWriter.Null, ct);
            logger.LogInformation("Demo replay finished: {Summary}", summary.ToString().ReplaceLineEndings(" "));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception ex)
        {
            logger.LogError(ex, "Demo replay stopped");
        }
    }
}
