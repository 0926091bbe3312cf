using Hotline.Ops.Host.Storage;
using Npgsql;

namespace Hotline.Ops.Storage.Tests;

/// <summary>Every way setup can go wrong surfaces as one StorageSetupException with a one-line message.</summary>
public sealed class SetupFailureTests
{
    [Fact]
    public async Task Nothing_listening_on_the_port_is_reported_as_connection_refused()
    {
        var port = TestPorts.Free(); // free right now, so nothing listens there
        var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Password=postgres;Database=postgres;Timeout=5";

        var e = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.ApplyPostgresAsync(connectionString, CancellationToken.None));

        Assert.Equal($"cannot connect to PostgreSQL at 127.0.0.1:{port} (database 'postgres'): connection refused", e.Message);
        Assert.IsAssignableFrom<NpgsqlException>(e.InnerException);
    }

    [Fact]
    public async Task Wrong_password_and_missing_database_name_the_cause()
    {
        var admin = new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString);

        var badPassword = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Password = "not-the-password" };
        var auth = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.ApplyPostgresAsync(badPassword.ConnectionString, CancellationToken.None));
        Assert.StartsWith($"cannot connect to PostgreSQL at {admin.Host}:{admin.Port}", auth.Message);
        Assert.Contains("authentication failed", auth.Message);

        var noDb = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = "hotline_t_does_not_exist" };
        var missing = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.ApplyPostgresAsync(noDb.ConnectionString, CancellationToken.None));
        Assert.Contains("database \"hotline_t_does_not_exist\" does not exist", missing.Message);
        Assert.DoesNotContain('\n', missing.Message);
    }

    [Fact]
    public async Task Unparsable_connection_string_is_reported()
    {
        var e = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.ApplyPostgresAsync("Host=127.0.0.1;Bogus Keyword=1", CancellationToken.None));
        Assert.StartsWith("invalid PostgreSQL connection string", e.Message);
    }

    [Fact]
    public async Task A_user_without_create_rights_gets_permission_denied()
    {
        await using var db = await TestDatabase.CreateAsync();
        var role = db.Name + "_ro";
        await TestDatabase.ExecuteAdminAsync($"CREATE ROLE {role} LOGIN PASSWORD 'readonly'");
        try
        {
            // PostgreSQL 15+ no longer lets every user create in schema public; make it explicit for older servers.
            await db.ScalarAsync("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            var asRole = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role, Password = "readonly" };

            var e = await Assert.ThrowsAsync<StorageSetupException>(
                () => SchemaInstaller.ApplyPostgresAsync(asRole.ConnectionString, CancellationToken.None));

            Assert.StartsWith("cannot apply the PostgreSQL schema to ", e.Message);
            Assert.Contains("permission denied for schema public (SQLSTATE 42501)", e.Message);
            // The script runs in one transaction: nothing half-created is left behind.
            Assert.Equal(false, await db.ScalarAsync("SELECT to_regclass('orleansquery') IS NOT NULL"));
        }
        finally
        {
            await db.DisposeAsync();
            await TestDatabase.ExecuteAdminAsync($"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task A_database_without_the_schema_is_detected_before_the_silo_starts()
    {
        await using var db = await TestDatabase.CreateAsync();

        var e = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.VerifyPostgresAsync(db.ConnectionString, CancellationToken.None));
        Assert.Contains($"database '{db.Name}'", e.Message);
        Assert.Contains("table OrleansQuery does not exist", e.Message);

        await SchemaInstaller.ApplyPostgresAsync(db.ConnectionString, CancellationToken.None);
        await db.ScalarAsync("DELETE FROM OrleansQuery WHERE QueryKey = 'UpsertReminderRowKey'");
        var partial = await Assert.ThrowsAsync<StorageSetupException>(
            () => SchemaInstaller.VerifyPostgresAsync(db.ConnectionString, CancellationToken.None));
        Assert.Contains("OrleansQuery lacks UpsertReminderRowKey", partial.Message);
    }
}
