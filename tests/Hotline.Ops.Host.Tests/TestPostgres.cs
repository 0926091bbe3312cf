using Npgsql;

namespace Hotline.Ops.Host.Tests;

/// <summary>
/// A fresh PostgreSQL database per test on the server named by HOTLINE_TEST_POSTGRES (the README's test command
/// provisions one). Missing configuration fails the test: a skipped database test would hide a missing component.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    public string ConnectionString { get; }
    private readonly string _admin;
    private readonly string _name;

    private TestPostgres(string admin, string name, string cs) => (_admin, _name, ConnectionString) = (admin, name, cs);

    public static async Task<TestPostgres> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES")
            ?? throw new InvalidOperationException("HOTLINE_TEST_POSTGRES is not set: run the tests with ./test.sh, which provisions a local PostgreSQL");
        var name = "hotline_t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new TestPostgres(admin, name, new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
