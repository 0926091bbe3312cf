using System.Data.Common;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.Ops.Contracts;
using Hotline.Ops.Grains;
using Hotline.Ops.Host.Cluster;
using Hotline.Ops.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// A delivered outbox is not stored cleared: the silo's stored watermark covers it (<see cref="OutboxWatermark"/>).
/// Tickets rest without a write, the recovery sweep passes them by, and what a crash leaves uncovered (a stamp above
/// the stored watermark, or none) is swept, delivered and stored cleared at the next start, on either storage.
/// </summary>
public sealed class OutboxWatermarkTests
{
    private const string Unit = "bus-group";
    private static readonly string[] Tickets = ["WM-1", "WM-2", "WM-3"];

    [Fact]
    public Task A_rested_ticket_writes_nothing_and_only_outboxes_no_stored_watermark_covers_are_swept_on_SQLite() => Run(null);

    [Fact]
    public async Task A_rested_ticket_writes_nothing_and_only_outboxes_no_stored_watermark_covers_are_swept_on_PostgreSQL()
    {
        await using var db = await TestPostgres.CreateAsync();
        await Run(db.ConnectionString);
    }

    private static object[] Opened(string ticket) =>
    [
        new { id = ticket + "-1", type = "received", ticketId = ticket, at = "2024-02-08T09:00:00+08:00", channel = "hotline", category = "transport" },
        new { id = ticket + "-2", type = "dispatched", ticketId = ticket, at = "2024-02-08T09:10:00+08:00", unitId = Unit },
    ];

    private static async Task Run(string? postgres)
    {
        using var dataDir = new TestDataDir();
        var stored = new StoredTickets(postgres, postgres is null ? SchemaInstaller.SqliteConnectionString(dataDir) : null, HotlineCluster.ServiceId);
        Row before;
        await using (var server = await RunningServer.StartAsync(dataDir, postgres, "--Hotline:Tickets:ResidentLimit", "0"))
        {
            foreach (var t in Tickets) Assert.Equal(2, (await server.PostEventsAsync(Opened(t))).Accepted);
            var residency = server.Services.GetRequiredService<TicketResidency>();
            await Poll.Until(() => residency.Resident == 0, "the tickets went to rest");

            // Each went to rest without a write: its row still lists the delivered report, stamped by this incarnation.
            var incarnation = server.Services.GetRequiredService<OutboxWatermark>().Incarnation;
            var rows = new List<Row>();
            foreach (var t in Tickets) rows.Add(await Read(postgres, dataDir, t));
            Assert.All(rows, r => Assert.Equal((1, 1, incarnation), (r.Version, r.Outbox, r.Incarnation)));
            Assert.Equal(3, rows.Select(r => r.Sequence).Distinct().Count());
            var last = rows.Max(r => r.Sequence);
            await Poll.Until(async () => await Watermark(postgres, dataDir, incarnation) > last, "the watermark past the three stamps is stored");
            Assert.Empty(await Pending(stored)); // the sweep has nothing to take up
            // What the silo says of it: three outboxes stamped, none waiting, the watermark past them and stored.
            var report = await server.GetJsonAsync("/api/ops/runtime/tickets");
            Assert.Equal((0, 0), (report.GetProperty("resident").GetInt32(), report.GetProperty("residentLimit").GetInt32()));
            var outbox = report.GetProperty("outbox");
            Assert.Equal(incarnation, outbox.GetProperty("incarnation").GetInt64());
            Assert.Equal((3L, 0, 4L, 4L), (outbox.GetProperty("stamped").GetInt64(), outbox.GetProperty("undelivered").GetInt32(),
                outbox.GetProperty("delivered").GetInt64(), outbox.GetProperty("storedDelivered").GetInt64()));
            before = rows[0];
        }

        // As a crash leaves it: WM-2 stored with a stamp above its incarnation's stored watermark, WM-3 stored unstamped
        // (as a ticket that could not deliver stores itself on its way out), and neither report in the ledger.
        var mark = await Watermark(postgres, dataDir, before.Incarnation);
        await Edit(postgres, dataDir, "ticket", "WM-2", p => p["stamp"]!["sequence"] = mark);
        await Edit(postgres, dataDir, "ticket", "WM-3", p => p["stamp"] = null);
        foreach (var t in Tickets[1..])
            await Edit(postgres, dataDir, UnitMonthGrain.PageName(UnitMonthGrain.PageOf(t)), $"{Unit}/2024-02", p => Assert.True(p["members"]!.AsObject().Remove(t)));
        Assert.Equal(["WM-2", "WM-3"], (await Pending(stored)).Order());

        await using (var again = await RunningServer.StartAsync(dataDir, postgres))
        {
            // The start sweep delivers both reports and stores both tickets cleared; WM-1, covered, is not touched.
            await Poll.Until(async () => (await again.GetJsonAsync("/api/ops/consistency?month=2024-02")).GetProperty("consistent").GetBoolean(),
                "the swept reports reached the ledger");
            await Poll.Until(async () => (await Pending(stored)).Count == 0, "the swept tickets stored their outboxes cleared");
            // WM-1's stamp is below the watermark its incarnation stored: known delivered, neither redelivered nor written.
            Assert.Equal(0, await again.Services.GetRequiredService<IGrainFactory>().GetGrain<ITicketGrain>("WM-1").DeliverPending());
            Assert.Equal(before, await Read(postgres, dataDir, "WM-1"));
            foreach (var t in Tickets[1..])
                Assert.Equal((2, 0, 0L), (await Read(postgres, dataDir, t)) is var r ? (r.Version, r.Outbox, r.Incarnation) : default);
            var counts = (await again.GetJsonAsync($"/api/units/{Unit}/scorecard?month=2024-02")).GetProperty("hotline").GetProperty("counts");
            Assert.Equal(3, counts.GetProperty("due").GetInt32());
        }
    }

    /// <summary>A stored ticket row: its version, how many reports its outbox lists, and its stamp (0, 0 when none).</summary>
    private sealed record Row(long Version, int Outbox, long Incarnation, long Sequence);

    private static async Task<Row> Read(string? postgres, string dataDir, string ticket)
    {
        var (version, p) = await Load(postgres, dataDir, "ticket", ticket);
        var stamp = p["stamp"];
        return new Row(version, p["outbox"]!.AsArray().Count, stamp?["incarnation"]!.GetValue<long>() ?? 0, stamp?["sequence"]!.GetValue<long>() ?? 0);
    }

    private static async Task<long> Watermark(string? postgres, string dataDir, long incarnation)
    {
        try { return (await Load(postgres, dataDir, OutboxWatermark.StateName, OutboxWatermark.KeyOf(incarnation))).Payload["delivered"]!.GetValue<long>(); }
        catch (InvalidOperationException) { return 0; } // not stored yet
    }

    private static async Task<List<string>> Pending(StoredTickets stored)
    {
        var ids = new List<string>();
        await foreach (var id in stored.WithPendingReports(CancellationToken.None)) ids.Add(id);
        return ids;
    }

    private static async Task<(long Version, JsonObject Payload)> Load(string? postgres, string dataDir, string type, string key)
    {
        await using var c = await Open(postgres, dataDir);
        await using var cmd = SqliteFile.Command(c, "SELECT Version, PayloadBinary FROM OrleansStorage WHERE GrainTypeString = @type AND GrainIdExtensionString = @key", ("type", type), ("key", key));
        await using var reader = await cmd.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) throw new InvalidOperationException($"no stored {type} {key}");
        return (Convert.ToInt64(reader.GetValue(0)), JsonNode.Parse(Encoding.UTF8.GetString((byte[])reader.GetValue(1)))!.AsObject());
    }

    /// <summary>Changes a stored row's JSON as a crash or an older version could have left it.</summary>
    private static async Task Edit(string? postgres, string dataDir, string type, string key, Action<JsonObject> change)
    {
        var (_, payload) = await Load(postgres, dataDir, type, key);
        change(payload);
        await using var c = await Open(postgres, dataDir);
        await using var cmd = SqliteFile.Command(c, "UPDATE OrleansStorage SET PayloadBinary = @p WHERE GrainTypeString = @type AND GrainIdExtensionString = @key",
            ("p", Encoding.UTF8.GetBytes(payload.ToJsonString())), ("type", type), ("key", key));
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    private static async Task<DbConnection> Open(string? postgres, string dataDir)
    {
        DbConnection c = postgres is not null ? new NpgsqlConnection(postgres) : SqliteFile.Open(dataDir);
        if (c.State != System.Data.ConnectionState.Open) await c.OpenAsync();
        return c;
    }
}
