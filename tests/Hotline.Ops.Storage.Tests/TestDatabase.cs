using Npgsql;

namespace Hotline.Ops.Storage.Tests;

/// <summary>
/// A fresh PostgreSQL database per test, dropped on dispose. The admin connection string comes from
/// HOTLINE_TEST_POSTGRES; without it the test fails (never skips), because a silently skipped storage
/// test would hide a broken schema. Locally: <c>deploy/pg-local.sh start</c> prints the value to use.
/// <code>
/// await using var db = await TestDatabase.CreateAsync();
/// await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, ct);
/// </code>
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "HOTLINE_TEST_POSTGRES";

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>Database name, hotline_t_&lt;random&gt;.</summary>
    public string Name { get; }

    /// <summary>The admin connection string pointed at this database.</summary>
    public string ConnectionString { get; }

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. These tests need a real PostgreSQL: run deploy/pg-local.sh start and set " +
                $"{EnvironmentVariable}='Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres;Database=postgres'.");

    public static async Task<TestDatabase> CreateAsync()
    {
        var admin = AdminConnectionString;
        var name = "hotline_t_" + Guid.NewGuid().ToString("N")[..16];
        await ExecuteAdminAsync(admin, $"CREATE DATABASE {name}");
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        return new TestDatabase(name, connectionString);
    }

    /// <summary>Runs one statement against this database as the admin user.</summary>
    public async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>Runs a statement (e.g. CREATE ROLE) on the admin database.</summary>
    public static Task ExecuteAdminAsync(string sql) => ExecuteAdminAsync(AdminConnectionString, sql);

    public async ValueTask DisposeAsync()
    {
        // Pooled connections (ours and the silos') would block DROP; FORCE ends them (PostgreSQL 13+).
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }
        await ExecuteAdminAsync(AdminConnectionString, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private static async Task ExecuteAdminAsync(string admin, string sql)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
