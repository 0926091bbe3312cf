using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hotline.Ops.Host.Storage;

/// <summary>
/// Applies the project's own SQL schema (deploy/sql/*.sql, embedded as Hotline.Ops.Sql.&lt;file&gt;)
/// and turns every provider failure into one <see cref="StorageSetupException"/> with a one-line message.
/// Safe to call at every start: the scripts are idempotent.
/// </summary>
public static class SchemaInstaller
{
    public const string PostgresScriptName = "postgresql.sql";
    public const string SqliteScriptName = "sqlite.sql";

    /// <summary>OrleansQuery keys the clustering, persistence and reminder providers require on PostgreSQL.</summary>
    public static readonly IReadOnlyList<string> PostgresQueryKeys =
    [
        "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipKey",
        "UpdateMembershipKey", "UpdateIAmAlivetimeKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
        "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    /// <summary>OrleansQuery keys grain persistence requires (the only provider used on SQLite).</summary>
    public static readonly IReadOnlyList<string> SqliteQueryKeys =
        ["ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey"];

    // Arbitrary fixed key ("HOTLINE" in ASCII); advisory locks are scoped to the current database.
    private const long SchemaLockKey = 0x484F544C494E45;

    /// <summary>
    /// Creates or updates the schema. Concurrent silos are serialised by a transaction-level advisory
    /// lock, and the whole script runs in that transaction, so a failure leaves nothing half-applied.
    /// </summary>
    public static async Task ApplyPostgresAsync(string connectionString, CancellationToken ct)
    {
        var target = DescribePostgres(connectionString);
        var script = ReadScript(PostgresScriptName);
        await using var connection = await OpenPostgresAsync(connectionString, target, ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, tx))
            {
                lockCmd.Parameters.AddWithValue("key", SchemaLockKey);
                await lockCmd.ExecuteNonQueryAsync(ct);
            }
            await using (var cmd = new NpgsqlCommand(script, connection, tx))
            {
                // No parameters: Npgsql must not treat the @Name placeholders stored in OrleansQuery as its own.
                cmd.CommandTimeout = 120;
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new StorageSetupException($"cannot apply the PostgreSQL schema to {target}: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// Cheap check for a database whose schema was never applied: OrleansQuery must exist and hold every key
    /// the providers read. Orleans itself would only fail later, inside silo start, with a raw SQL error.
    /// </summary>
    public static async Task VerifyPostgresAsync(string connectionString, CancellationToken ct)
    {
        var target = DescribePostgres(connectionString);
        await using var connection = await OpenPostgresAsync(connectionString, target, ct);
        try
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT to_regclass('orleansquery') IS NOT NULL", connection);
            if (await cmd.ExecuteScalarAsync(ct) is not true)
            {
                throw MissingSchema(target, "table OrleansQuery does not exist");
            }
            await using var keysCmd = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection);
            await CheckKeysAsync(keysCmd, PostgresQueryKeys, target, ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new StorageSetupException($"cannot read the schema of {target}: {Reason(e)}", e);
        }
    }

    /// <summary>Creates the SQLite file if needed, switches it to WAL and applies the schema.</summary>
    public static async Task ApplySqliteAsync(string connectionString, CancellationToken ct)
    {
        var target = DescribeSqlite(connectionString);
        var script = ReadScript(SqliteScriptName);
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(ct);
            // Not in a transaction: journal_mode=WAL cannot be switched inside one.
            await using var cmd = new SqliteCommand(script, connection);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (SqliteException e) when (!ct.IsCancellationRequested)
        {
            throw new StorageSetupException($"cannot apply the SQLite schema to {target}: {e.Message}", e);
        }
    }

    /// <summary>Same check as <see cref="VerifyPostgresAsync"/> for the SQLite file; never creates it.</summary>
    public static async Task VerifySqliteAsync(string connectionString, CancellationToken ct)
    {
        var target = DescribeSqlite(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode == SqliteOpenMode.ReadWriteCreate)
        {
            builder.Mode = SqliteOpenMode.ReadWrite; // a missing file is "no schema", not a new empty file
        }
        try
        {
            await using var connection = new SqliteConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            await using var cmd = new SqliteCommand(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'OrleansQuery'", connection);
            if (Convert.ToInt64(await cmd.ExecuteScalarAsync(ct)) == 0)
            {
                throw MissingSchema(target, "table OrleansQuery does not exist");
            }
            await using var keysCmd = new SqliteCommand("SELECT QueryKey FROM OrleansQuery", connection);
            await CheckKeysAsync(keysCmd, SqliteQueryKeys, target, ct);
        }
        catch (SqliteException e) when (!ct.IsCancellationRequested)
        {
            throw new StorageSetupException($"cannot open SQLite database {target}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Connection string for <c>&lt;dataDir&gt;/hotline.db</c>, creating the directory. Pooled, so the
    /// per-connection setup is paid once; Microsoft.Data.Sqlite retries SQLITE_BUSY up to DefaultTimeout.
    /// </summary>
    public static string SqliteConnectionString(string dataDir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        var dir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dir);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dir, "hotline.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>
    /// Registers Microsoft.Data.Sqlite under the invariant "System.Data.SQLite" in
    /// <see cref="DbProviderFactories"/>. Orleans 10.4.2 does not need it (it loads
    /// Microsoft.Data.Sqlite.SqliteFactory by reflection); it is for code that resolves the invariant
    /// through DbProviderFactories. Idempotent.
    /// </summary>
    public static void RegisterSqliteInvariant()
    {
        if (!DbProviderFactories.TryGetFactory(HotlineStorage.SqliteInvariant, out _))
        {
            DbProviderFactories.RegisterFactory(HotlineStorage.SqliteInvariant, SqliteFactory.Instance);
        }
    }

    /// <summary>The embedded script text, as shipped in this assembly.</summary>
    public static string ReadScript(string fileName)
    {
        var name = "Hotline.Ops.Sql." + fileName;
        using var stream = typeof(SchemaInstaller).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded SQL script {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<NpgsqlConnection> OpenPostgresAsync(string connectionString, string target, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException && !ct.IsCancellationRequested)
        {
            await connection.DisposeAsync();
            throw new StorageSetupException($"cannot connect to PostgreSQL at {target}: {Reason(e)}", e);
        }
    }

    private static async Task CheckKeysAsync(DbCommand keysCmd, IReadOnlyList<string> required, string target, CancellationToken ct)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await keysCmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                present.Add(reader.GetString(0));
            }
        }
        var missing = required.Where(k => !present.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw MissingSchema(target, "OrleansQuery lacks " + string.Join(", ", missing));
        }
    }

    private static StorageSetupException MissingSchema(string target, string detail) =>
        new($"database {target} has no Hotline storage schema ({detail}); apply deploy/sql with SchemaInstaller first");

    private static string DescribePostgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new StorageSetupException($"invalid PostgreSQL connection string: {e.Message}", e);
        }
        var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
        var database = builder.Database ?? builder.Username ?? "(default)";
        return $"{host}:{builder.Port} (database '{database}')";
    }

    private static string DescribeSqlite(string connectionString)
    {
        try
        {
            var builder = new SqliteConnectionStringBuilder(connectionString);
            return string.IsNullOrEmpty(builder.DataSource) ? "(in-memory)" : builder.DataSource;
        }
        catch (ArgumentException e)
        {
            throw new StorageSetupException($"invalid SQLite connection string: {e.Message}", e);
        }
    }

    // The most specific one-line cause: server error text, socket error, or timeout.
    private static string Reason(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException pg when pg.SqlState == PostgresErrorCodes.InvalidPassword:
                    return $"authentication failed ({pg.MessageText})";
                case PostgresException pg:
                    return $"{pg.MessageText} (SQLSTATE {pg.SqlState})";
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return "host not found";
                case SocketException socket:
                    return socket.Message;
                case TimeoutException:
                    return "timed out";
            }
        }
        return e.Message.ReplaceLineEndings(" ");
    }
}
