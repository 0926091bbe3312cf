using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hotline.Ops.Bench;

/// <summary>
/// The storage on its own, on the machine of the run, with nothing of ours in the way: durable single-row updates a
/// second (the reference on a 2-core machine: PostgreSQL 8,000–9,700, SQLite in WAL mode about 26,000), and
/// rows a second when 100 rows of a ticket's size share a transaction, as the server's group commit writes them. Machines
/// differ by a quarter to a half (bench/FINDINGS.md item 26), so the ingest figures are read against these, measured in the same run.
/// </summary>
public static class StorageAlone
{
    /// <summary>Rows written: <paramref name="RowsPerTransaction"/> per commit, each commit durable before the next.</summary>
    public sealed record Result(string Storage, string Settings, int Connections, int RowsPerTransaction, int PayloadBytes, TimeSpan Elapsed, long Rows,
        Paced? Pace = null)
    {
        public double RowsPerSecond => Rows / Elapsed.TotalSeconds;
    }

    /// <summary>Transactions offered at a fixed rate, each due at its time: commit latency from when it was due (ms).</summary>
    public sealed record Paced(double TransactionsPerSecond, double P50, double P99, double Max);

    /// <summary>
    /// Paces one connection's transactions: each is due every 1/rate seconds whether or not the one before was late, and
    /// its latency runs from when it was due, as the open-loop ingest measures a batch (a slow commit delays the next).
    /// </summary>
    private sealed class Pacer(double? transactionsPerSecond)
    {
        private readonly Stopwatch _clock = new();
        private readonly List<double> _latencies = [];
        private TimeSpan _due;

        /// <summary>Waits until the next transaction is due; the first is due at once (the pace starts after the setup).</summary>
        public async ValueTask WaitAsync()
        {
            if (transactionsPerSecond is not { } rate) return;
            _clock.Start();
            _due = TimeSpan.FromSeconds(_latencies.Count / rate);
            if (_due > _clock.Elapsed) await Task.Delay(_due - _clock.Elapsed);
        }

        public void Committed()
        {
            if (transactionsPerSecond is not null) _latencies.Add((_clock.Elapsed - _due).TotalMilliseconds);
        }

        public Paced? Result()
        {
            if (transactionsPerSecond is not { } rate) return null;
            var sorted = _latencies.Order().ToList();
            return new Paced(rate, Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.99), sorted.LastOrDefault());
        }
    }

    /// <summary>A stored ticket's state is about this size (System.Text.Json of a received and dispatched ticket).</summary>
    public const int TicketPayload = 1_000;
    /// <summary>Divisible by every connection count used (powers of two up to 4,096), so connections never share a row.</summary>
    private const int TableRows = 102_400;

    /// <summary>
    /// PostgreSQL with its own settings (<c>synchronous_commit</c> on: a commit returns once its WAL is flushed), a
    /// prepared <c>UPDATE</c> per transaction on a table of 102,400 rows, each connection on rows of its own (no lock
    /// waits), rows in key order (as tickets' rows are: bench/FINDINGS.md item 11).
    /// </summary>
    public static async Task<Result> PostgresAsync(string connectionString, int connections, int rowsPerTransaction, int payloadBytes, TimeSpan duration,
        double? transactionsPerSecond = null)
    {
        if (transactionsPerSecond is not null && connections != 1) throw new ArgumentException("a paced run has one connection", nameof(connections));
        var pacer = new Pacer(transactionsPerSecond);
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = connections + 2 }.ConnectionString);
        foreach (var sql in new[]
                 {
                     "DROP TABLE IF EXISTS bench_alone",
                     "CREATE TABLE bench_alone (id int PRIMARY KEY, version int NOT NULL, payload bytea NOT NULL)",
                     $"INSERT INTO bench_alone SELECT i, 0, '\\x' FROM generate_series(0, {TableRows - 1}) i",
                     "VACUUM ANALYZE bench_alone",
                 })
        {
            await using var setup = source.CreateCommand(sql);
            setup.CommandTimeout = 300;
            await setup.ExecuteNonQueryAsync();
        }
        var payload = new byte[payloadBytes];
        Random.Shared.NextBytes(payload);
        // Every connection is opened and its statement prepared before the clock starts: the window is updates only (a
        // short window under load could otherwise end before the first one).
        var workers = await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
        {
            var connection = await source.OpenConnectionAsync();
            // One row: one UPDATE. A batch: one UPDATE over arrays of the rows, as the server's writer sends a batch.
            var update = new NpgsqlCommand(rowsPerTransaction == 1
                ? "UPDATE bench_alone SET version = version + 1, payload = $2 WHERE id = $1"
                : "UPDATE bench_alone b SET version = b.version + 1, payload = u.p FROM unnest($1::int[], $2::bytea[]) AS u(id, p) WHERE b.id = u.id", connection);
            var ids = new int[rowsPerTransaction];
            if (rowsPerTransaction == 1)
            {
                update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 0 });
                update.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
            }
            else
            {
                update.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = ids });
                update.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = Enumerable.Repeat(payload, rowsPerTransaction).ToArray() });
            }
            await update.PrepareAsync();
            return (Connection: connection, Update: update, Ids: ids);
        }));
        var stop = Stopwatch.StartNew();
        var counts = await Task.WhenAll(workers.Select(async (w, c) =>
        {
            await using var connection = w.Connection;
            await using var update = w.Update;
            var ids = w.Ids;
            long rows = 0;
            var next = c; // connection c takes the rows c, c + connections, …: never another's
            while (stop.Elapsed < duration)
            {
                for (var i = 0; i < ids.Length; i++) ids[i] = (next + i * connections) % TableRows;
                next = (next + ids.Length * connections) % TableRows;
                if (rowsPerTransaction == 1) ((NpgsqlParameter<int>)update.Parameters[0]).TypedValue = ids[0];
                await pacer.WaitAsync();
                await update.ExecuteNonQueryAsync(); // autocommit: one statement, one transaction
                pacer.Committed();
                rows += rowsPerTransaction;
            }
            return rows;
        }));
        var elapsed = stop.Elapsed;
        await using (var drop = source.CreateCommand("DROP TABLE bench_alone")) await drop.ExecuteNonQueryAsync();
        return new Result("PostgreSQL", "synchronous_commit on", connections, rowsPerTransaction, payloadBytes, elapsed, counts.Sum(), pacer.Result());
    }

    /// <summary>
    /// SQLite in WAL mode, one connection (SQLite has one writer at a time), with the server's synchronous setting (FULL:
    /// a commit survives a power cut) or NORMAL (survives the process, not the machine: what "WAL mode" figures often mean).
    /// </summary>
    public static async Task<Result> SqliteAsync(string directory, string synchronous, int rowsPerTransaction, int payloadBytes, TimeSpan duration,
        double? transactionsPerSecond = null)
    {
        var pacer = new Pacer(transactionsPerSecond);
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"alone-{Guid.NewGuid():N}.db");
        try
        {
            long rows = 0;
            var elapsed = TimeSpan.Zero;
            using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString))
            {
                connection.Open();
                Exec(connection, $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous};" +
                    "CREATE TABLE alone (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, payload BLOB NOT NULL);" +
                    $"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {TableRows - 1}) INSERT INTO alone SELECT i, 0, x'' FROM n;");
                var payload = new byte[payloadBytes];
                Random.Shared.NextBytes(payload);
                using var update = connection.CreateCommand();
                update.CommandText = "UPDATE alone SET version = version + 1, payload = $payload WHERE id = $id";
                var id = update.Parameters.Add("$id", SqliteType.Integer);
                update.Parameters.AddWithValue("$payload", payload);
                update.Prepare();
                var next = 0;
                var stop = Stopwatch.StartNew();
                while (stop.Elapsed < duration)
                {
                    await pacer.WaitAsync();
                    using var tx = rowsPerTransaction > 1 ? connection.BeginTransaction() : null;
                    update.Transaction = tx;
                    for (var i = 0; i < rowsPerTransaction; i++)
                    {
                        id.Value = next;
                        next = (next + 1) % TableRows;
                        update.ExecuteNonQuery();
                    }
                    tx?.Commit();
                    pacer.Committed();
                    rows += rowsPerTransaction;
                }
                elapsed = stop.Elapsed;
            }
            return new Result("SQLite", $"WAL, synchronous = {synchronous}", 1, rowsPerTransaction, payloadBytes, elapsed, rows, pacer.Result());
        }
        finally
        {
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }

        static void Exec(SqliteConnection c, string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }
    }

    public static string Section(IReadOnlyList<Result> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## The storage alone on this machine").AppendLine();
        sb.AppendLine("Before the server: what the storage itself does here, nothing of ours in the way. Rows of a table of 102,400 are");
        sb.AppendLine("updated in key order, each transaction committed (durable) before the next; single rows carry an empty payload (the issue's");
        sb.AppendLine("reference: PostgreSQL 8,000–9,700 and SQLite in WAL mode about 26,000 durable single-row updates a second on 2 cores),");
        sb.AppendLine($"100-row transactions a {TicketPayload:N0}-byte payload each, about a stored ticket's, as the server's group commit writes them");
        sb.AppendLine("(PostgreSQL: one `UPDATE` over arrays of the rows; SQLite: one prepared statement per row in one transaction).");
        sb.AppendLine("Machines of the same description differ by a quarter to a half (FINDINGS item 26), so read the ingest figures against these, from the same run.").AppendLine();
        sb.AppendLine("| storage | settings | connections | rows per transaction | payload bytes | seconds | rows | rows/s |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows.Where(r => r.Pace is null))
            sb.AppendLine($"| {r.Storage} | {r.Settings} | {r.Connections} | {r.RowsPerTransaction} | {r.PayloadBytes:N0} | {r.Elapsed.TotalSeconds:F0} | {r.Rows:N0} | {r.RowsPerSecond:N0} |");
        if (rows.Any(r => r.Pace is not null))
        {
            sb.AppendLine().AppendLine("The same 100-row transactions offered at a fixed rate on one connection, each due at its time (the open-loop ingest's");
            sb.AppendLine("shape): about the rows a second the server writes at 5,000 events/s (a ticket's row and a ledger's member page per");
            sb.AppendLine("ticket), with nothing else running. The commit latency, from when a transaction was due, is what the storage alone");
            sb.AppendLine("adds to a batch's; the ingest's p99 bound is 100 ms.").AppendLine();
            sb.AppendLine("| storage | settings | rows per transaction | transactions/s offered | seconds | rows/s | commit p50 ms | commit p99 ms | commit max ms |");
            sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in rows.Where(r => r.Pace is not null))
                sb.AppendLine($"| {r.Storage} | {r.Settings} | {r.RowsPerTransaction} | {r.Pace!.TransactionsPerSecond:N0} | {r.Elapsed.TotalSeconds:F0} | {r.RowsPerSecond:N0} | {r.Pace.P50:F1} | {r.Pace.P99:F1} | {r.Pace.Max:F1} |");
        }
        return sb.ToString();
    }
}
