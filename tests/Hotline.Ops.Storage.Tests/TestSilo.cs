using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Hotline.Ops.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Hotline.Ops.Storage.Tests;

/// <summary>An in-process silo on its own ports (a plain generic host, as the real host runs it).</summary>
public static class TestSilo
{
    public const string ServiceId = "hotline-tests";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<IHost, byte> StoppedHosts = new();

    public static async Task<IHost> StartAsync(string clusterId, Action<ISiloBuilder> configure)
    {
        var host = new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = ServiceId;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, TestPorts.Free(), TestPorts.Free());
                configure(silo);
            })
            .Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await host.StartAsync(timeout.Token);
        return host;
    }

    /// <summary>Stops and disposes; a second call on the same host is a no-op.</summary>
    public static async Task StopAsync(IHost host)
    {
        if (!StoppedHosts.TryAdd(host, 0))
        {
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }

    public static IGrainFactory Grains(this IHost host) => host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<TestDocument?> GetDocumentAsync(this IDocumentGrain grain) =>
        await grain.GetJson() is { } json
            ? System.Text.Json.JsonSerializer.Deserialize<TestDocument>(json, Hotline.Ops.Host.Storage.SystemTextJsonGrainStorageSerializer.DefaultOptions)
            : null;

    public static string NewClusterId() => "c" + Guid.NewGuid().ToString("N")[..10];


    /// <summary>A document exercising every shape the domain states use.</summary>
    public static TestDocument SampleDocument(string id)
    {
        var received = new DateTimeOffset(2024, 2, 5, 9, 30, 15, 123, TimeSpan.FromHours(8));
        return new TestDocument
        {
            Ticket = new TicketState
            {
                TicketId = id,
                Channel = RequestChannel.WeChat,
                ReceivedAt = received,
                Category = "供水",
                Text = "停水三天 \"quoted\" \\ backslash",
                Tags = ["water", "urgent"],
                Status = TicketStatus.Signed,
                UnitId = "u-12",
                PreviousUnits = ["u-3"],
                DispatchedAt = received.AddHours(1),
                Deadline = received.AddDays(3),
                Replies = 2,
                Supervised = true,
                History =
                [
                    new HistoryEntry("e1", TicketEventType.Received, received, null),
                    new HistoryEntry("e2", TicketEventType.Dispatched, received.AddHours(1), "to u-12"),
                ],
            },
            Counters = new Dictionary<string, int> { ["reworks"] = 1, ["calls"] = 3 },
            Stamps = [received, received.AddMinutes(5).ToOffset(TimeSpan.Zero)],
            Grade = Hotline.Ops.Domain.Grade.C,
            Note = null,
        };
    }

    /// <summary>Field-by-field comparison: records holding ImmutableArray compare arrays by reference.</summary>
    public static void AssertSame(TestDocument expected, TestDocument? actual)
    {
        Assert.NotNull(actual);
        var e = expected.Ticket;
        var a = actual.Ticket;
        Assert.Equal(e.TicketId, a.TicketId);
        Assert.Equal(e.Channel, a.Channel);
        Assert.Equal(e.ReceivedAt, a.ReceivedAt);
        Assert.Equal(e.ReceivedAt.Offset, a.ReceivedAt.Offset);
        Assert.Equal(e.Category, a.Category);
        Assert.Equal(e.District, a.District);
        Assert.Equal(e.Text, a.Text);
        Assert.Equal(e.Tags.ToArray(), a.Tags.ToArray());
        Assert.Equal(e.Status, a.Status);
        Assert.Equal(e.UnitId, a.UnitId);
        Assert.Equal(e.PreviousUnits.ToArray(), a.PreviousUnits.ToArray());
        Assert.Equal(e.DispatchedAt, a.DispatchedAt);
        Assert.Equal(e.Deadline, a.Deadline);
        Assert.Equal(e.SignedAt, a.SignedAt);
        Assert.Equal(e.Replies, a.Replies);
        Assert.Equal(e.Supervised, a.Supervised);
        Assert.Equal(e.History.ToArray(), a.History.ToArray()); // HistoryEntry is a plain positional record
        Assert.Equal(expected.Counters, actual.Counters);
        Assert.Equal(expected.Stamps, actual.Stamps);
        Assert.Equal(expected.Grade, actual.Grade);
        Assert.Equal(expected.Note, actual.Note);
    }
}
