using System.Text.Json;
using Hotline.Ops.Grains;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// A unit ledger stores its members in pages (one storage row each), so a dispatch rewrites a page, not the month's
/// whole membership; the ledger is whole again after a restart, and members stored elsewhere (in a page not their own,
/// as with fewer pages, or all in the ledger's own row, as before pages) move to their pages.
/// </summary>
public sealed class LedgerStorageTests
{
    private const string Unit = "water-group", Ledger = "water-group/2024-03";

    /// <summary>Orders over two days (on the event clock), so the ledger's own row is written too (the first day's counts).</summary>
    private static object[] Orders(int n) => Enumerable.Range(1, n).SelectMany(i => new object[]
    {
        new { id = $"LP-{i}-r", type = "received", ticketId = $"LP-{i}", at = Day(i, 9), channel = "hotline", category = "water" },
        new { id = $"LP-{i}-d", type = "dispatched", ticketId = $"LP-{i}", at = Day(i, 10), unitId = Unit },
    }).ToArray();

    private static string Day(int i, int hour) => $"2024-03-{(i <= 30 ? 4 : 5):00}T{hour:00}:{i % 60:00}:00+08:00";

    private static async Task<int> Open(RunningServer s) =>
        (await s.GetJsonAsync($"/api/units/{Unit}/scorecard?month=2024-03")).GetProperty("open").GetInt32();

    /// <summary>The ledger's stored rows: each state name with its members (JSON object keys).</summary>
    private static Dictionary<string, HashSet<string>> StoredRows(string dataDir)
    {
        using var c = SqliteFile.Open(dataDir);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT GrainTypeString, PayloadBinary FROM OrleansStorage WHERE GrainIdExtensionString = $ext AND GrainTypeString LIKE 'unitMonth%' AND PayloadBinary IS NOT NULL";
        cmd.Parameters.AddWithValue("$ext", Ledger);
        using var r = cmd.ExecuteReader();
        var rows = new Dictionary<string, HashSet<string>>();
        while (r.Read())
        {
            using var doc = JsonDocument.Parse((byte[])r[1]);
            rows[r.GetString(0)] = doc.RootElement.TryGetProperty("members", out var m) ? m.EnumerateObject().Select(p => p.Name).ToHashSet() : [];
        }
        return rows;
    }

    [Fact]
    public async Task Members_are_stored_in_pages_survive_a_restart_and_members_stored_elsewhere_move_to_their_page()
    {
        const int n = 60;
        using var dataDir = new TestDataDir();
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
        {
            var orders = Orders(n);
            Assert.Equal(n, (await s.PostEventsAsync(orders[..n])).Accepted); // the first day
            Assert.Equal(n, (await s.PostEventsAsync(orders[n..])).Accepted); // the second
            Assert.Equal(n, await Open(s));
        }

        var rows = StoredRows(dataDir);
        var pages = rows.Where(r => r.Key.StartsWith("unitMonthMembers", StringComparison.Ordinal)).ToList();
        var expected = Enumerable.Range(1, n).Select(i => $"LP-{i}").ToHashSet();
        // Every order in exactly one page, the page its id hashes to; the ledger's own row holds none of them.
        Assert.True(pages.Count > 10, $"60 orders fell into only {pages.Count} pages");
        Assert.Equal(n, pages.Sum(p => p.Value.Count));
        Assert.True(expected.SetEquals(pages.SelectMany(p => p.Value)));
        Assert.All(pages, p => Assert.All(p.Value, id => Assert.Equal(UnitMonthGrain.PageName(UnitMonthGrain.PageOf(id)), p.Key)));
        Assert.Empty(rows["unitMonth"]); // written for the day's counts, without members

        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
            Assert.Equal(n, await Open(s)); // rebuilt from the pages' members and their tickets

        // As stored with fewer pages: every member in one page row, most of them not their own page.
        var crowded = pages[0].Key;
        SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = NULL WHERE GrainIdExtensionString = $ext AND GrainTypeString LIKE 'unitMonthMembers%' AND GrainTypeString <> $page",
            ("$ext", Ledger), ("$page", crowded));
        SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = CAST($json AS BLOB) WHERE GrainIdExtensionString = $ext AND GrainTypeString = $page",
            ("$ext", Ledger), ("$page", crowded), ("$json", "{\"members\":{" + string.Join(",", expected.Select(id => $"\"{id}\":0")) + "}}"));
        Assert.Equal(n, StoredRows(dataDir)[crowded].Count);
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
            Assert.Equal(n, await Open(s));
        pages = StoredRows(dataDir).Where(r => r.Key.StartsWith("unitMonthMembers", StringComparison.Ordinal)).ToList();
        Assert.Equal(n, pages.Sum(p => p.Value.Count));
        Assert.True(expected.SetEquals(pages.SelectMany(p => p.Value)));
        Assert.All(pages, p => Assert.All(p.Value, id => Assert.Equal(UnitMonthGrain.PageName(UnitMonthGrain.PageOf(id)), p.Key)));

        // As stored before pages: every member in the ledger's own row, no page rows.
        var members = string.Join(",", expected.Select(id => $"\"{id}\":0"));
        SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = NULL WHERE GrainIdExtensionString = $ext AND GrainTypeString LIKE 'unitMonthMembers%'", ("$ext", Ledger));
        SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = CAST(json_set(CAST(PayloadBinary AS TEXT), '$.members', json($m)) AS BLOB) WHERE GrainIdExtensionString = $ext AND GrainTypeString = 'unitMonth'",
            ("$ext", Ledger), ("$m", "{" + members + "}"));
        Assert.Equal(n, StoredRows(dataDir)["unitMonth"].Count);

        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
        {
            Assert.Equal(n, await Open(s));
            // One more order after the move: written to its page like any other.
            Assert.Equal(2, (await s.PostEventsAsync(Orders(n + 1).Skip(2 * n).ToArray())).Accepted);
            Assert.Equal(n + 1, await Open(s));
        }
        rows = StoredRows(dataDir);
        Assert.Empty(rows["unitMonth"]);
        Assert.Equal(n + 1, rows.Where(r => r.Key.StartsWith("unitMonthMembers", StringComparison.Ordinal)).Sum(p => p.Value.Count));
    }
}
