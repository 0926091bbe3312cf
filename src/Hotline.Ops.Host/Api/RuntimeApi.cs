using Hotline.Ops.Host.Diagnostics;

namespace Hotline.Ops.Host.Api;

public static class RuntimeApi
{
    public static void MapRuntimeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ops/runtime/gc", (GcPauses gc) => Results.Ok(gc.Report()))
            .WithSummary("This silo's garbage collections: counts and time paused since it started, and the recent ones one by one with their pause.")
            .RequireAuthorization(Auth.Access.Admin);
    }
}
