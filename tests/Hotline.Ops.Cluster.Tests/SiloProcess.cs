using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hotline.Ops.Cluster.Tests;

/// <summary>
/// One silo of a test cluster: the built Hotline.Ops.Host.dll run with <c>dotnet</c> in its own process, on its own
/// loopback ports, its output appended to a log file (kept under TestResults/cluster for diagnosis).
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly string[] _args;
    private readonly StreamWriter _log;
    private Process? _process;
    private int _starts;

    public string Name { get; }
    public string Url { get; }
    public string DataDir { get; }
    public string LogPath { get; }
    /// <summary>How many times the process was started.</summary>
    public int Starts => _starts;

    public SiloProcess(string name, string postgres, string logDir, string[] extra)
    {
        Name = name;
        Url = $"http://127.0.0.1:{TestPorts.Free()}";
        DataDir = Path.Combine(Path.GetTempPath(), "hotline-cluster-" + Guid.NewGuid().ToString("N")[..8], name);
        LogPath = Path.Combine(logDir, name + ".log");
        _log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        _args = ["--urls", Url, "--data-dir", DataDir, "--postgres", postgres, "--clock", "event",
            "--silo-port", TestPorts.Free().ToString(), "--gateway-port", TestPorts.Free().ToString(), .. extra];
    }

    /// <summary>Starts (or restarts, on the same ports and data directory) the silo and waits until it is ready.</summary>
    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = HostDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(HostDirectory, "Hotline.Ops.Host.dll"));
        foreach (var a in _args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        Write($"=== start #{++_starts}: dotnet Hotline.Ops.Host.dll {string.Join(' ', _args.Select(a => a.Contains("Password") ? "<postgres>" : a))}");
        var p = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) Write(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Write("ERR " + e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (p.HasExited) throw new InvalidOperationException($"{Name} exited with code {p.ExitCode} while starting\n{Tail()}");
            try
            {
                if ((await http.GetAsync(Url + "/health/ready")).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{Name} did not become ready\n{Tail()}");
    }

    /// <summary>Runs the host with <paramref name="args"/> until it exits (bad configuration): exit code and output.</summary>
    public static async Task<(int Code, string Out, string Err)> RunToExitAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = HostDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(HostDirectory, "Hotline.Ops.Host.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"the host did not exit: {string.Join(' ', args)}"); }
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>SIGKILL: the process dies at once, with whatever it had in memory and in flight.</summary>
    public void Kill()
    {
        Write("=== SIGKILL");
        _process!.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as an orchestrator stops a container: the host shuts the silo down gracefully.</summary>
    public async Task StopAsync()
    {
        Write("=== SIGTERM");
        if (SysKill(_process!.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(cts.Token);
        Write($"=== exited with code {_process.ExitCode}");
    }

    /// <summary>The last lines of this silo's output, for a failure message.</summary>
    public string Tail(int lines = 40)
    {
        lock (_log)
        {
            _log.Flush();
            using var s = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var all = new StreamReader(s).ReadToEnd().Split('\n');
            return $"--- {Name} ({LogPath}) ---\n" + string.Join('\n', all.TakeLast(lines));
        }
    }

    private void Write(string line)
    {
        lock (_log) _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
        lock (_log) _log.Dispose();
        try { Directory.Delete(Path.GetDirectoryName(DataDir)!, recursive: true); } catch (IOException) { }
    }

    /// <summary>The host's own build output in the same configuration as this test assembly (bin/Release/net10.0).</summary>
    public static string HostDirectory { get; } = FindHost();

    private static string FindHost()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        for (var d = testBin; d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "Hotline.Ops.sln"))) continue;
            var dir = Path.Combine(d.FullName, "src", "Hotline.Ops.Host", "bin", configuration, framework);
            return File.Exists(Path.Combine(dir, "Hotline.Ops.Host.dll")) ? dir : throw new FileNotFoundException($"the host is not built in {dir}");
        }
        throw new DirectoryNotFoundException("Hotline.Ops.sln not found above " + testBin.FullName);
    }

    public static string RepositoryRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Hotline.Ops.sln"))) return d.FullName;
            throw new DirectoryNotFoundException("Hotline.Ops.sln");
        }
    }


    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
