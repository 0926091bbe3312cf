using System.Diagnostics;
using Hotline.Ops.Contracts;
using Hotline.Ops.Domain;
using Npgsql;

namespace Hotline.Ops.Bench;

/// <summary>
/// The month's league table two ways. Grains: <see cref="ICityMetricsGrain.LeagueTable"/> over the latest summary of
/// every unit's month; a month of N orders is reached by reporting summaries whose counters add up to N orders, exactly
/// what the ledgers would report after those orders (the grain never holds orders, so N changes numbers, not sizes).
/// Plain SQL: one GROUP BY over a tickets table of N rows in the same PostgreSQL, bulk-loaded with generate_series.
/// </summary>
public static class LeagueTable
{
    public const string Month = "2024-02";

    public sealed record Timing(long Orders, double MedianMs, double P99Ms, int Runs, int Rows);

    /// <param name="ledgerForecast">Summaries carry the forecast grade as the ledgers send it; without it the city grain
    /// falls back to a cheap simulation per unit (<see cref="Forecasts.Expected"/>: its open orders as one group, whatever their number).</param>
    public static async Task<Timing> GrainAsync(IGrainFactory grains, long orders, int runs, bool ledgerForecast = true)
    {
        var city = grains.GetGrain<ICityMetricsGrain>(0);
        var units = SeedUnits.All;
        for (var u = 0; u < units.Count; u++)
        {
            // The orders spread over the units; rates like the published month (98 % handled, 95 % on time ...).
            var due = (int)(orders / units.Count + (u < orders % units.Count ? 1 : 0));
            var counts = new AssessmentCounts(due, due * 98 / 100, due * 95 / 100, due * 3 / 100, due * 60 / 100, due * 15 / 100, due * 5 / 100);
            await city.ReportUnitMonth(new UnitMonthSummary(units[u].Id, Month, counts, default, due / 10, due / 50, due / 100, 0, 0, due / 10,
                ledgerForecast ? Scoring.Assess(AssessmentChannel.Hotline, counts).Grade : null));
        }
        for (var i = 0; i < Math.Min(runs, 200); i++) await city.LeagueTable(Month); // warm-up
        var times = new List<double>(runs);
        var rows = 0;
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            var table = await city.LeagueTable(Month);
            sw.Stop();
            times.Add(sw.Elapsed.TotalMilliseconds);
            rows = table.Groups.Sum(g => g.Rows.Count);
        }
        times.Sort();
        return new Timing(orders, Stats.Percentile(times, 0.5), Stats.Percentile(times, 0.99), runs, rows);
    }

    public static async Task CreateTableAsync(NpgsqlDataSource db)
    {
        await Exec(db, """
            DROP TABLE IF EXISTS bench_tickets;
            CREATE TABLE bench_tickets (
                ticket_id    bigint   PRIMARY KEY,
                unit_id      integer  NOT NULL,
                month        text     NOT NULL,
                channel      smallint NOT NULL,  -- 0 hotline, 1 mailbox
                handled      boolean  NOT NULL,
                on_time      boolean  NOT NULL,
                reworks      smallint NOT NULL,
                followup     smallint NULL       -- 0 satisfied, 1 basically, 2 dissatisfied, NULL none
            );
            """);
    }

    /// <summary>Grows the table to <paramref name="orders"/> rows of the month (hotline), deterministic per row.</summary>
    public static async Task LoadToAsync(NpgsqlDataSource db, long orders)
    {
        await Exec(db, $"""
            INSERT INTO bench_tickets
            SELECT i, (i % 70)::int, '{Month}', 0, (i % 50) <> 0, (i % 20) <> 0, CASE WHEN i % 33 = 0 THEN 1 ELSE 0 END,
                   CASE WHEN i % 5 = 0 THEN NULL ELSE ((i / 7) % 3)::smallint END
              FROM generate_series((SELECT coalesce(max(ticket_id), 0) + 1 FROM bench_tickets), {orders}) AS i
            """, timeoutSeconds: 1800);
        await Exec(db, "VACUUM ANALYZE bench_tickets", timeoutSeconds: 600);
    }

    /// <summary>The query a team would write: the four rates and the score per unit, best first.</summary>
    public const string Sql = """
        SELECT unit_id, due, score FROM (
            SELECT unit_id, count(*) AS due,
                   30.0 * count(*) FILTER (WHERE handled) / count(*)
                 + 30.0 * count(*) FILTER (WHERE on_time) / count(*)
                 + 20.0 * (1 - sum(reworks)::numeric / count(*))
                 + 20.0 * (1 - count(*) FILTER (WHERE followup = 2)::numeric / nullif(count(followup), 0)) AS score
              FROM bench_tickets WHERE month = $1 AND channel = 0
             GROUP BY unit_id) t
         ORDER BY score DESC, due DESC
        """;

    public static async Task<Timing> SqlAsync(NpgsqlDataSource db, long orders, int runs)
    {
        var times = new List<double>(runs);
        var rows = 0;
        for (var i = 0; i < runs + 1; i++)
        {
            await using var cmd = db.CreateCommand(Sql);
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Month });
            var sw = Stopwatch.StartNew();
            rows = 0;
            await using (var reader = await cmd.ExecuteReaderAsync())
                while (await reader.ReadAsync()) rows++;
            sw.Stop();
            if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds); // the first run warms the cache
        }
        times.Sort();
        return new Timing(orders, Stats.Percentile(times, 0.5), Stats.Percentile(times, 0.99), runs, rows);
    }

    private static async Task Exec(NpgsqlDataSource db, string sql, int timeoutSeconds = 120)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.CommandTimeout = timeoutSeconds;
        await cmd.ExecuteNonQueryAsync();
    }
}
