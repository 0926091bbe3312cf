using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Hotline.Ops.Host.Auth;
using System.Security.Claims;

namespace Hotline.Ops.Host.Api;

public static class TicketsApi
{
    public static void MapTicketsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tickets/{id}", async (string id, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var probe = new TicketEvent { Id = "x", Type = "received", TicketId = id, At = DateTimeOffset.UnixEpoch };
            if (WorkOrderMachine.ValidateEnvelope(probe) is not null) return Problems.NotFound($"ticket '{id}' does not exist");
            var t = await grains.GetGrain<ITicketGrain>(id).Get();
            // A unit sees the orders it holds; for any other ticket it gets the same answer whether it exists or not.
            if (!user.IsCentre() && (t?.UnitId is not { } holder || !user.CanReadUnit(holder)))
                return Access.Forbidden($"this token may read only the orders its unit holds");
            return t is not null ? Results.Ok(t) : Problems.NotFound($"ticket '{id}' does not exist");
        }).WithSummary("A ticket's state and history.").RequireAuthorization(Access.CityOrUnit);
    }
}
