using Hotline.Ops.Bench;

// One command runs every benchmark and writes the results file:
//   dotnet run -c Release --project bench/Hotline.Ops.Bench -- all --out bench/RESULTS.md [--smoke] [--postgres ADMIN_CONN] [--only storage,ingest,replay,league,memory,wall,surge,forecast-cost,forecast]
// Single benchmarks against a running server:
//   ... -- wall --server URL [--clients 500] [--batches 60] [--batch 100] [--token T] [--wall-token T] [--surge EVENTS_PER_S [--warm-up 30]]
//   ... -- ingest --server URL [--batch 100] [--feeders 4] [--seconds 20] [--warm-up 2] [--received-only | --rate EVENTS_PER_S] [--server-pid PID]   (the server must take the feeder token ServerProcess.FeederToken)
//   ... -- surge [--smoke]
//   ... -- forecast-cost [--smoke]
var command = args.FirstOrDefault() ?? "all";
var opts = args.Skip(1).Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--"))
    .ToDictionary(p => p.a, p => args.Skip(1).ElementAtOrDefault(p.i + 1) is { } v && !v.StartsWith("--") ? v : "true");
switch (command)
{
    case "all":
        var options = new BenchOptions
        {
            Smoke = opts.ContainsKey("--smoke"),
            PostgresAdmin = opts.GetValueOrDefault("--postgres") ?? BenchPostgres.Find(),
            OutFile = opts.GetValueOrDefault("--out"),
            IngestSeconds = opts.TryGetValue("--ingest-seconds", out var secs) ? int.Parse(secs) : null,
            Stores = opts.TryGetValue("--stores", out var stores) ? stores.Split(',') : ["SQLite", "PostgreSQL"],
            BeforeAfter = !opts.ContainsKey("--no-before"),
            Only = (opts.GetValueOrDefault("--only") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
        };
        var report = await BenchRunner.RunAsync(options, Console.Error);
        if (options.OutFile is null) Console.WriteLine(report);
        else Console.Error.WriteLine($"results written to {options.OutFile}");
        return 0;
    case "wall" when opts.TryGetValue("--server", out var server):
        var token = opts.GetValueOrDefault("--token") ?? Environment.GetEnvironmentVariable("HOTLINE_TOKEN");
        var r = await WallLatency.RunAsync(server, token, opts.GetValueOrDefault("--wall-token") ?? token,
            int.Parse(opts.GetValueOrDefault("--clients", "500")), int.Parse(opts.GetValueOrDefault("--batches", "60")), int.Parse(opts.GetValueOrDefault("--batch", "100")), Console.Error,
            double.Parse(opts.GetValueOrDefault("--surge", "0")), TimeSpan.FromSeconds(int.Parse(opts.GetValueOrDefault("--warm-up", "30"))));
        Console.WriteLine($"wall latency: {r.Clients} clients, {r.Batches} batches of {r.Batch} requests: p50 {r.P50:F0} ms, p99 {r.P99:F0} ms, max {r.Max:F0} ms; {r.Messages / (double)r.Clients:F1} messages per client; never seen: {r.Missed}"
            + (r.Surge is { } surge ? $"; surge {surge.EventsPerSecond:N0} of {surge.Offered:N0} events/s answered, p99 {surge.P99:F0} ms" : ""));
        return 0;
    case "ingest" when opts.TryGetValue("--server", out var target) && opts.TryGetValue("--rate", out var rate):
        Console.WriteLine(await Ingest.RunAtRateAsync(target, int.Parse(opts.GetValueOrDefault("--batch", "100")), double.Parse(rate),
            TimeSpan.FromSeconds(int.Parse(opts.GetValueOrDefault("--seconds", "20"))), TimeSpan.FromSeconds(int.Parse(opts.GetValueOrDefault("--warm-up", "2"))),
            opts.TryGetValue("--server-pid", out var ratePid) ? ProcessCpu(int.Parse(ratePid)) : null));
        return 0;
    case "ingest" when opts.TryGetValue("--server", out var target):
        var ing = await Ingest.RunAsync(target, int.Parse(opts.GetValueOrDefault("--batch", "100")), int.Parse(opts.GetValueOrDefault("--feeders", "4")),
            TimeSpan.FromSeconds(int.Parse(opts.GetValueOrDefault("--seconds", "20"))), TimeSpan.FromSeconds(int.Parse(opts.GetValueOrDefault("--warm-up", "2"))), dispatch: !opts.ContainsKey("--received-only"),
            serverCpu: opts.TryGetValue("--server-pid", out var pid) ? ProcessCpu(int.Parse(pid)) : null);
        Console.WriteLine(ing);
        return 0;
    case "surge":
        Console.WriteLine(SurgeCost.Measure(opts.ContainsKey("--smoke")));
        return 0;
    case "forecast-cost":
        Console.WriteLine(ForecastCost.Measure(opts.ContainsKey("--smoke")));
        return 0;
    default:
        Console.Error.WriteLine("usage: Hotline.Ops.Bench all [--out FILE] [--smoke] [--postgres ADMIN_CONN] [--only a,b] | wall --server URL [...] | surge [--smoke] | forecast-cost [--smoke]");
        return 2;
}

// CPU time of another process so far, for `ingest --server-pid` (a server started by hand).
static Func<TimeSpan> ProcessCpu(int pid)
{
    var process = System.Diagnostics.Process.GetProcessById(pid);
    return () => { process.Refresh(); return process.TotalProcessorTime; };
}
