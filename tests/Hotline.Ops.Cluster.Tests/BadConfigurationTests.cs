namespace Hotline.Ops.Cluster.Tests;

/// <summary>A host started with a configuration it cannot run ends at once with one clear line and a non-zero code.</summary>
public sealed class BadConfigurationTests
{
    [Fact]
    public async Task Cluster_options_without_postgres_or_with_an_unresolvable_address_exit_2_with_one_line()
    {
        using var dataDir = new TestDataDir();
        var (code, _, err) = await SiloProcess.RunToExitAsync("--data-dir", dataDir, "--advertise", "10.1.2.3");
        Assert.Equal(2, code);
        Assert.Equal("hotline: --advertise and --kubernetes are for a cluster: they need --postgres (or HOTLINE_POSTGRES)", err.Trim());

        var pg = Environment.GetEnvironmentVariable("HOTLINE_TEST_POSTGRES") ?? throw new InvalidOperationException("HOTLINE_TEST_POSTGRES is not set");
        (code, _, err) = await SiloProcess.RunToExitAsync("--data-dir", dataDir, "--postgres", pg, "--advertise", "no-such-host.invalid",
            "--urls", $"http://127.0.0.1:{TestPorts.Free()}");
        Assert.Equal(2, code);
        Assert.StartsWith("hotline: --advertise 'no-such-host.invalid' is not an IP address or a host name that resolves", err.Trim());
        Assert.DoesNotContain('\n', err.Trim());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("many")]
    public async Task A_resident_ticket_limit_that_is_not_a_count_exits_2_with_one_line(string limit)
    {
        using var dataDir = new TestDataDir();
        var (code, _, err) = await SiloProcess.RunToExitAsync("--data-dir", dataDir, "--Hotline:Tickets:ResidentLimit", limit);
        Assert.Equal(2, code);
        Assert.Equal($"hotline: --Hotline:Tickets:ResidentLimit must be a number of tickets (0 or more) or none, not '{limit}'", err.Trim());
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    public async Task An_answering_setting_that_is_not_true_or_false_exits_2_with_one_line(string value)
    {
        using var dataDir = new TestDataDir();
        var (code, _, err) = await SiloProcess.RunToExitAsync("--data-dir", dataDir, "--Hotline:Tickets:AnswerOnceStored", value);
        Assert.Equal(2, code);
        Assert.Equal($"hotline: --Hotline:Tickets:AnswerOnceStored must be true or false, not '{value}'", err.Trim());
    }

    [Fact]
    public async Task A_wrong_connection_string_exits_3_with_one_line()
    {
        var port = TestPorts.Free(); // nothing listens there
        using var dataDir = new TestDataDir();
        var (code, _, err) = await SiloProcess.RunToExitAsync("--data-dir", dataDir,
            "--postgres", $"Host=127.0.0.1;Port={port};Username=postgres;Password=x;Database=postgres;Timeout=5");
        Assert.Equal(3, code);
        Assert.Equal($"hotline: storage: cannot connect to PostgreSQL at 127.0.0.1:{port} (database 'postgres'): connection refused", err.Trim());
    }
}
