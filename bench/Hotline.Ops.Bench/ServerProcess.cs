using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Hotline.Ops.Bench;

/// <summary>
/// The Hotline server as a separate process, from the Release build next to this benchmark (the bench references the
/// host project, so its build output is here), on free ports, with tokens given through configuration. Disposing
/// stops that process and only it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string FeederToken = "bench-feeder-token";
    public const string WallToken = "bench-wall-token";
    public const string AdminToken = "bench-admin-token";

    private readonly Process _process;
    public string Url { get; }
    public string LogFile { get; }
    /// <summary>The server's data directory: deleted once the process has stopped (a February replay leaves gigabytes).</summary>
    public string DataDir { get; }
    public int ProcessId => _process.Id;

    /// <summary>CPU time the server process used so far (all threads).</summary>
    public TimeSpan Cpu()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>
    /// The server's garbage-collection pauses between <paramref name="from"/> and <paramref name="to"/> (machine clock), from
    /// its own record (<c>GET /api/ops/runtime/gc</c>): while one runs, every request of the silo waits.
    /// </summary>
    public async Task<GcPausesDuring> GcPausesAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var report = await GcReportAsync();
        var pauses = report.Recent.Where(p => p.At >= from && p.At <= to).Select(p => p.PauseMs).ToList();
        return new GcPausesDuring(pauses.Count, pauses.Sum(), pauses.DefaultIfEmpty(0).Max());
    }

    /// <summary>The server's own record of its collections and its collector's settings.</summary>
    public Task<Hotline.Ops.Host.Diagnostics.GcReport> GcReportAsync() => RuntimeReportAsync<Hotline.Ops.Host.Diagnostics.GcReport>("gc");

    /// <summary>What the server's JIT has compiled so far, and the time it took.</summary>
    public Task<Hotline.Ops.Host.Diagnostics.JitReport> JitReportAsync() => RuntimeReportAsync<Hotline.Ops.Host.Diagnostics.JitReport>("jit");

    private async Task<T> RuntimeReportAsync<T>(string what)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        return await http.GetFromJsonAsync<T>($"/api/ops/runtime/{what}")
            ?? throw new InvalidOperationException($"GET /api/ops/runtime/{what} answered nothing");
    }

    private ServerProcess(Process process, string url, string logFile, string dataDir)
    {
        _process = process;
        Url = url;
        LogFile = logFile;
        DataDir = dataDir;
    }

    /// <summary>
    /// Starts a server on free ports. A port found free can be taken by another process before the server binds it
    /// (tests start servers in parallel, and the open-loop client holds hundreds of connections): a start that fails
    /// with "address already in use" is tried again on other ports.
    /// </summary>
    public static Task<ServerProcess> StartAsync(string workDir, string? postgres, bool writeBatching, params string[] extra) =>
        StartAsync(workDir, postgres, writeBatching, extra, new Dictionary<string, string>());

    /// <param name="environment">Variables set for the server's process beside the machine's own (the runtime's GC settings).</param>
    public static async Task<ServerProcess> StartAsync(string workDir, string? postgres, bool writeBatching, string[] extra, IReadOnlyDictionary<string, string> environment)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(workDir, postgres, writeBatching, extra, environment);
            }
            catch (PortTakenException) when (attempt < 3)
            {
            }
        }
    }

    private sealed class PortTakenException(string message) : InvalidOperationException(message);

    private static async Task<ServerProcess> StartOnceAsync(string workDir, string? postgres, bool writeBatching, string[] extra, IReadOnlyDictionary<string, string> environment)
    {
        var dataDir = Path.Combine(workDir, "data-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var hostDll = Path.Combine(AppContext.BaseDirectory, "Hotline.Ops.Host.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataDir };
        foreach (var a in (string[])["exec", hostDll, "--urls", url, "--data-dir", dataDir, "--silo-port", FreePort().ToString(), "--gateway-port", FreePort().ToString(),
                     $"--Hotline:Tokens:feeder={FeederToken}", $"--Hotline:Tokens:wall={WallToken}", $"--Hotline:Tokens:admin={AdminToken}",
                     $"--Hotline:WriteBatching={(writeBatching ? "true" : "false")}", .. extra])
            psi.ArgumentList.Add(a);
        if (postgres is not null) { psi.ArgumentList.Add("--postgres"); psi.ArgumentList.Add(postgres); }
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        var logFile = Path.Combine(workDir, $"server-{port}.log");
        var log = new StreamWriter(logFile) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the server");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, url, logFile, dataDir);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // the log's last lines
                DeleteDirectory(dataDir);
                var message = $"the server exited with {process.ExitCode}; see {logFile}";
                string text;
                lock (log)
                {
                    using var reader = new StreamReader(new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                    text = reader.ReadToEnd();
                }
                if (text.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) throw new PortTakenException(message);
                throw new InvalidOperationException(message);
            }
            try
            {
                using var r = await http.GetAsync(url + "/health/ready");
                if (r.IsSuccessStatusCode) return server;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"the server was not ready within 120 s; see {logFile}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        DeleteDirectory(DataDir);
    }

    /// <summary>Deletes a server's data directory; one that cannot be deleted is left to the temp folder's cleaning.</summary>
    public static void DeleteDirectory(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A server's garbage-collection pauses in a measured window: how many, their time in all, the longest.</summary>
public sealed record GcPausesDuring(int Count, double TotalMs, double LongestMs);
