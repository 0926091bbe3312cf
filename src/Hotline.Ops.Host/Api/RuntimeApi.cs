using Hotline.Ops.Grains;
using Hotline.Ops.Host.Diagnostics;

namespace Hotline.Ops.Host.Api;

public static class RuntimeApi
{
    public static void MapRuntimeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ops/runtime/gc", (GcPauses gc) => Results.Ok(gc.Report()))
            .WithSummary("This silo's garbage collections: counts and time paused since it started, and the recent ones one by one with their pause.")
            .RequireAuthorization(Auth.Access.Admin);
        app.MapGet("/api/ops/runtime/jit", () => Results.Ok(JitReport.OfThisProcess()))
            .WithSummary("What this silo's JIT has compiled since its process started: methods (each tier counted) and the time spent compiling them.")
            .RequireAuthorization(Auth.Access.Admin);
        app.MapGet("/api/ops/runtime/tickets", (TicketResidency residency, OutboxWatermark outbox) =>
                Results.Ok(new TicketsReport(residency.Resident, residency.Limit, outbox.Report())))
            .WithSummary("This silo's ticket activations (resident now, and the limit over which they rest) and its outbox watermark: reports stored and not yet delivered to their ledgers.")
            .RequireAuthorization(Auth.Access.Admin);
    }

    /// <summary>A silo's tickets in memory and its outbox watermark.</summary>
    public sealed record TicketsReport(int Resident, int? ResidentLimit, OutboxWatermarkReport Outbox);
}
