using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Hotline.Ops.Cluster.Tests;

/// <summary>
/// The state a silo leaves when it dies after a ticket's write and before its unit's ledger took the report: the
/// ticket stored with the report in its outbox, the ledger without the order. Made here by editing the stored rows
/// while the (single) silo is stopped, so it does not depend on when a kill lands.
/// </summary>
public sealed class RecoveryTests
{
    private const string Ticket = "RC-1";
    private const string Ledger = "customs/2024-02";

    [Fact]
    public async Task An_order_missing_from_its_ledger_is_reported_and_a_pending_report_is_completed_without_another_event()
    {
        await using var cluster = await TestCluster.StartAsync("recovery", silos: 1);
        var silo = cluster.Silos[0];
        await cluster.Diagnosed(async () =>
        {
            using (var feeder = cluster.Client(silo, "feeder"))
            {
                var answer = await feeder.PostAsJsonAsync("/api/events", new object[]
                {
                    new { id = "rc-1", type = "received", ticketId = Ticket, at = "2024-02-05T09:00:00+08:00", channel = "hotline", category = "transport" },
                    new { id = "rc-2", type = "dispatched", ticketId = Ticket, at = "2024-02-05T10:00:00+08:00", unitId = "customs" },
                });
                Assert.Equal(2, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
            }
            Assert.True((await cluster.ConsistencyAsync(silo, TimeSpan.Zero)).GetProperty("consistent").GetBoolean());

            // 1. The ledger loses the order (its report never arrived) and nothing is pending: the check names the order.
            await silo.StopAsync();
            await Execute(cluster, """
                UPDATE OrleansStorage SET PayloadBinary = convert_to((convert_from(PayloadBinary, 'UTF8')::jsonb #- '{members,RC-1}')::text, 'UTF8')
                 WHERE GrainTypeString LIKE 'unitMonthMembers%' AND GrainIdExtensionString = 'customs/2024-02'
                   AND convert_from(PayloadBinary, 'UTF8')::jsonb -> 'members' ? 'RC-1'
                """);
            await silo.StartAsync();
            var broken = await cluster.ConsistencyAsync(silo, TimeSpan.Zero);
            Assert.False(broken.GetProperty("consistent").GetBoolean());
            Assert.Contains(broken.GetProperty("differences").EnumerateArray(), d => d.GetString()!.Contains($"{Ledger}: ticket {Ticket}") && d.GetString()!.Contains("missing from the ledger"));
            Assert.Equal(0, await Due(cluster, silo));

            // 2. The ticket's report is pending in its stored outbox, unstamped (as a ticket that could not deliver stores
            //    itself when it leaves memory): the silo's start sweep delivers it, though the ticket gets no further event.
            await silo.StopAsync();
            await Execute(cluster, """
                UPDATE OrleansStorage SET PayloadBinary = convert_to(jsonb_set(p - 'stamp', '{outbox}', jsonb_build_array(jsonb_build_object(
                         'unitMonthKey', 'customs/2024-02', 'version', (p -> 'ticket' ->> 'version')::integer, 'contribution', p -> 'reported')))::text, 'UTF8')
                  FROM (SELECT convert_from(PayloadBinary, 'UTF8')::jsonb AS p FROM OrleansStorage
                         WHERE GrainTypeString = 'ticket' AND GrainIdExtensionString = 'RC-1') t
                 WHERE GrainTypeString = 'ticket' AND GrainIdExtensionString = 'RC-1'
                """);
            await silo.StartAsync();
            var healed = await cluster.ConsistencyAsync(silo, TimeSpan.FromMinutes(1));
            Assert.True(healed.GetProperty("consistent").GetBoolean(), healed.GetRawText());
            Assert.Equal(1, await Due(cluster, silo));
        });
    }

    private static async Task<int> Due(TestCluster cluster, SiloProcess silo)
    {
        using var http = cluster.Client(silo);
        var card = await http.GetFromJsonAsync<JsonElement>("/api/units/customs/scorecard?month=2024-02");
        return card.GetProperty("hotline").GetProperty("counts").GetProperty("due").GetInt32();
    }

    private static async Task Execute(TestCluster cluster, string sql)
    {
        await using var c = new NpgsqlConnection(cluster.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }
}
