using System.Globalization;

namespace Hotline.Ops.Replay;

/// <summary>The command line: arguments → <see cref="ReplayOptions"/> → <see cref="ReplayRunner"/> → exit code.</summary>
public static class ReplayCli
{
    public const string Usage = """
        usage: Hotline.Ops.Replay --server URL [--server URL2 ...] [--month YYYY-MM] [--targets FILE.csv]
                                  [--speed X] [--seed N] [--token T] [--dry-run] [--out FILE.ndjson] [--calls]
          --server URL   server to send to (repeat for several; failed batches go to the next one)
          --month        month to generate (default 2024-02; other months need --targets)
          --targets      per-unit counts in the reference CSV's columns (default: the February 2024 bulletin)
          --speed X      0 = as fast as possible (default); 60 = one minute of the month per second
          --seed N       generator seed (default 2024)
          --token T      bearer token (default: env HOTLINE_TOKEN)
          --dry-run      generate and print the summary only
          --out FILE     write the events as NDJSON
          --calls        also the calls and agents (callOffered/Answered/Abandoned/Ended, agentState)
        exit codes: 0 all accepted or duplicate, 1 some rejected, 2 bad arguments or targets, 3 server unreachable, 4 refused
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        ReplayOptions options;
        try { options = Parse(args, Environment.GetEnvironmentVariable("HOTLINE_TOKEN")); }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }
        try
        {
            var summary = await ReplayRunner.RunAsync(options, stderr, ct);
            await stdout.WriteAsync(summary.ToString());
            return summary.ExitCode;
        }
        catch (ReplayException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("cancelled");
            return 130;
        }
    }

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a one-line message.</summary>
    public static ReplayOptions Parse(string[] args, string? envToken)
    {
        var servers = new List<Uri>();
        var o = new ReplayOptions { Token = envToken };
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string Value() => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--server":
                    var s = Value();
                    if (!Uri.TryCreate(s.EndsWith('/') ? s : s + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                        throw new ArgumentException($"--server '{s}' is not an http(s) URL");
                    servers.Add(uri);
                    break;
                case "--month":
                    var m = Value();
                    if (!Hotline.Ops.Domain.CityTime.TryParseMonth(m, out _)) throw new ArgumentException($"--month '{m}' is not a month (YYYY-MM)");
                    o = o with { Month = m };
                    break;
                case "--targets": o = o with { TargetsFile = Value() }; break;
                case "--speed":
                    var sp = Value();
                    if (!double.TryParse(sp, NumberStyles.Float, CultureInfo.InvariantCulture, out var speed) || speed < 0 || double.IsNaN(speed) || double.IsInfinity(speed))
                        throw new ArgumentException($"--speed '{sp}' is not a number ≥ 0");
                    o = o with { Speed = speed };
                    break;
                case "--seed":
                    var sd = Value();
                    if (!int.TryParse(sd, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)) throw new ArgumentException($"--seed '{sd}' is not a whole number");
                    o = o with { Seed = seed };
                    break;
                case "--token": o = o with { Token = Value() }; break;
                case "--dry-run": o = o with { DryRun = true }; break;
                case "--calls": o = o with { Calls = true }; break;
                case "--out": o = o with { OutFile = Value() }; break;
                default: throw new ArgumentException($"unknown argument '{a}'");
            }
        }
        if (servers.Count == 0 && !o.DryRun && o.OutFile is null) throw new ArgumentException("--server is required (or --dry-run / --out)");
        return o with { Servers = servers };
    }
}
