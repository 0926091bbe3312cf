using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Ops.Grains;
using Microsoft.AspNetCore.SignalR.Client;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// The city's aggregate stores its activity a city day per row and the ledgers' summaries a month per row, so a write
/// is the size of what changed, not of the city's history. It is whole again after a restart, and a record stored the
/// old way (all of it in the city's own row) moves to its pages: also when a crash left the pages written and the old
/// row not yet emptied, without counting anything twice.
/// </summary>
public sealed class CityStorageTests
{
    private const string Unit = "water-group";
    private static readonly string[] Days = ["2024-01-31", "2024-02-01", "2024-02-02"];
    private const int PerDay = 20;

    /// <summary>Requests over three city days across a month end, each dispatched to one unit.</summary>
    private static object[] Orders() => Days.SelectMany((day, d) => Enumerable.Range(0, PerDay).SelectMany(i => new object[]
    {
        new { id = $"CS-{d}-{i}-r", type = "received", ticketId = $"CS-{d}-{i}", at = $"{day}T{8 + i % 12:00}:{i:00}:00+08:00", channel = "hotline", category = "water" },
        new { id = $"CS-{d}-{i}-d", type = "dispatched", ticketId = $"CS-{d}-{i}", at = $"{day}T{8 + i % 12:00}:{i + 30:00}:00+08:00", unitId = Unit },
    })).ToArray();

    /// <summary>What the city answers from its aggregate: the bulletins' headline counts, and the wall's open orders
    /// and league row for the unit, once the wall shows every order open.</summary>
    private static async Task<string> Figures(RunningServer s)
    {
        var (city, league) = await WallSnapshot(s, c => c.GetProperty("orders").GetProperty("open").GetInt32() == Days.Length * PerDay);
        var row = UnitRow(league)!.Value;
        var figures = new List<string>();
        foreach (var month in new[] { "2024-01", "2024-02" })
        {
            var h = (await s.GetJsonAsync($"/api/bulletin/{month}")).GetProperty("headline");
            figures.Add($"{month}: received {h.GetProperty("received").GetInt32()}, dispatched {h.GetProperty("dispatched").GetInt32()}");
        }
        figures.Add($"wall: open {city.GetProperty("orders").GetProperty("open").GetInt32()}, month received {city.GetProperty("monthToDate").GetProperty("received").GetInt32()}");
        figures.Add($"league {league.GetProperty("month").GetString()}: due {row.GetProperty("due").GetInt32()}, open {row.GetProperty("open").GetInt32()}");
        return string.Join("; ", figures);
    }

    private static async Task<(JsonElement City, JsonElement League)> WallSnapshot(RunningServer s, Func<JsonElement, bool> ready)
    {
        await using var hub = s.Hub();
        JsonElement? city = null, league = null;
        hub.On<JsonElement>("cityMetrics", m => city = m);
        hub.On<JsonElement>("leagueTable", m => league = m);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "wall");
        // The city's counters and the league table are pushed apart: a league table pushed before the ledgers' reports
        // came shows the unit with none, so wait until its row has caught up with the wall's open orders too.
        bool Ready() => city is { } c && ready(c) && league is { } l && UnitRow(l) is { } row
            && row.GetProperty("open").GetInt32() == c.GetProperty("orders").GetProperty("open").GetInt32();
        for (var i = 0; i < 150 && !Ready(); i++) await Task.Delay(100);
        Assert.True(Ready(), $"the wall did not show every order open: {city}; league: {league}");
        return (city!.Value, league!.Value);
    }

    private static JsonElement? UnitRow(JsonElement league) =>
        league.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rows").EnumerateArray())
            .Where(r => r.GetProperty("unitId").GetString() == Unit).Select(r => (JsonElement?)r).SingleOrDefault();

    /// <summary>The city's rows: state name → payload (absent rows and NULL payloads left out).</summary>
    private static Dictionary<string, JsonNode> CityRows(string dataDir)
    {
        using var c = SqliteFile.Open(dataDir);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT GrainTypeString, PayloadBinary FROM OrleansStorage WHERE (GrainTypeString = 'city' OR GrainTypeString LIKE 'cityDay%' OR GrainTypeString LIKE 'cityUnits%') AND PayloadBinary IS NOT NULL";
        using var r = cmd.ExecuteReader();
        var rows = new Dictionary<string, JsonNode>();
        while (r.Read()) rows[r.GetString(0)] = JsonNode.Parse((byte[])r[1])!;
        return rows;
    }

    private static void AssertPaged(string dataDir, int extra = 0)
    {
        var rows = CityRows(dataDir);
        var city = rows["city"];
        Assert.Empty(city["activity"]!["hours"]!.AsObject());
        Assert.Empty(city["unitMonths"]!.AsObject());
        var dayPages = rows.Where(r => r.Key.StartsWith("cityDay", StringComparison.Ordinal)).ToDictionary(r => r.Key["cityDay".Length..], r => r.Value);
        var monthPages = rows.Where(r => r.Key.StartsWith("cityUnits", StringComparison.Ordinal)).ToDictionary(r => r.Key["cityUnits".Length..], r => r.Value);
        // A page per day with activity, each holding its own day's hours only; the city's row lists them.
        Assert.Equal(Days, dayPages.Keys.Order());
        Assert.Equal(Days, city["days"]!.AsArray().Select(d => d!.GetValue<string>()).Order());
        Assert.All(dayPages, p => Assert.All(p.Value["hours"]!.AsObject(), h => Assert.StartsWith(p.Key + "T", h.Key)));
        Assert.Equal(Days.Length * PerDay + extra, dayPages.Values.SelectMany(p => p["hours"]!.AsObject()).Sum(h => h.Value!["received"]!.GetValue<int>()));
        // A page per month with summaries, each holding its own month's only.
        Assert.NotEmpty(monthPages);
        Assert.Equal(monthPages.Keys.Order(), city["months"]!.AsArray().Select(m => m!.GetValue<string>()).Order());
        Assert.All(monthPages, p => Assert.All(p.Value["units"]!.AsObject(), u => Assert.Equal(p.Key, u.Value!["month"]!.GetValue<string>())));
        Assert.Contains(monthPages.Values, p => p["units"]!.AsObject().ContainsKey(Unit));
    }

    /// <summary>The city's row as stored before pages: every hour and every summary in it, no page list.</summary>
    private static string OldRecord(string dataDir)
    {
        var rows = CityRows(dataDir);
        var hours = new JsonObject();
        foreach (var h in rows.Where(r => r.Key.StartsWith("cityDay", StringComparison.Ordinal)).SelectMany(r => r.Value["hours"]!.AsObject()))
            hours[h.Key] = h.Value!.DeepClone();
        var units = new JsonObject();
        foreach (var u in rows.Where(r => r.Key.StartsWith("cityUnits", StringComparison.Ordinal)).SelectMany(r => r.Value["units"]!.AsObject()))
            units[$"{u.Key}/{u.Value!["month"]!.GetValue<string>()}"] = u.Value!.DeepClone();
        Assert.Equal(Days.Length * 12, hours.Count); // the hours of the requests and dispatches: 8:00–19:59
        return new JsonObject { ["activity"] = new JsonObject { ["hours"] = hours }, ["unitMonths"] = units }.ToJsonString();
    }

    [Fact]
    public async Task Activity_and_summaries_are_stored_in_day_and_month_pages_survive_a_restart_and_an_old_record_moves_to_them()
    {
        using var dataDir = new TestDataDir();
        string figures;
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
        {
            var orders = Orders();
            Assert.Equal(orders.Length, (await s.PostEventsAsync(orders)).Accepted);
            figures = await Figures(s);
        }
        // Jan 31's orders are due in February (deadlines in working days), so February's ledger holds all 60.
        Assert.Equal("2024-01: received 20, dispatched 20; 2024-02: received 40, dispatched 40; wall: open 60, month received 40; league 2024-02: due 60, open 60", figures);
        AssertPaged(dataDir);

        var old = OldRecord(dataDir);

        // Whole after a restart; then three more requests on a day already stored.
        string later;
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
        {
            Assert.Equal(figures, await Figures(s));
            Assert.Equal(3, (await s.PostEventsAsync(Enumerable.Range(0, 3).Select(i => new
                { id = $"CS-x{i}-r", type = "received", ticketId = $"CS-x{i}", at = $"2024-02-02T19:5{i}:00+08:00", channel = "hotline", category = "water" }).ToArray())).Accepted);
            for (var i = 0; i < 50 && !(await Figures(s)).Contains("2024-02: received 43", StringComparison.Ordinal); i++) await Task.Delay(100);
            later = await Figures(s);
            Assert.Equal(figures.Replace("2024-02: received 40", "2024-02: received 43").Replace("month received 40", "month received 43"), later);
        }

        // A crash after the old record's pages were written, before its row was emptied: the pages hold it already,
        // and what came after it (three requests in an hour it holds) is neither lost nor counted twice.
        SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = CAST($json AS BLOB) WHERE GrainTypeString = 'city'", ("$json", old));
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
            Assert.Equal(later, await Figures(s));
        AssertPaged(dataDir, extra: 3);

        // The record as stored before pages (before the three requests), and no pages.
        SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = NULL WHERE GrainTypeString LIKE 'cityDay%' OR GrainTypeString LIKE 'cityUnits%'");
        SqliteFile.Execute(dataDir, "UPDATE OrleansStorage SET PayloadBinary = CAST($json AS BLOB) WHERE GrainTypeString = 'city'", ("$json", old));
        Assert.Single(CityRows(dataDir));
        await using (var s = await RunningServer.StartAsync(dataDir, null, "--clock", "event"))
            Assert.Equal(figures, await Figures(s));
        AssertPaged(dataDir);
    }
}
