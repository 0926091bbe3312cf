using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Host.Api;

public static class TicketsApi
{
    public static void MapTicketsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tickets/{id}", async (string id, IGrainFactory grains) =>
        {
            var probe = new TicketEvent { Id = "x", Type = "received", TicketId = id, At = DateTimeOffset.UnixEpoch };
            if (WorkOrderMachine.ValidateEnvelope(probe) is not null) return Problems.NotFound($"ticket '{id}' does not exist");
            return await grains.GetGrain<ITicketGrain>(id).Get() is { } t
                ? Results.Ok(t)
                : Problems.NotFound($"ticket '{id}' does not exist");
        }).WithSummary("A ticket's state and history.");
    }
}
