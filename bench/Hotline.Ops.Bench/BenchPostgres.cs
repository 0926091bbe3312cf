using System.Diagnostics;

namespace Hotline.Ops.Bench;

public static class BenchPostgres
{
    /// <summary>
    /// The PostgreSQL server to use: HOTLINE_BENCH_POSTGRES, else HOTLINE_TEST_POSTGRES, else the shared local one
    /// that <c>deploy/pg-local.sh start</c> starts (or finds running) and prints.
    /// </summary>
    public static string Find()
    {
        foreach (var name in new[] { "HOTLINE_BENCH_POSTGRES", "HOTLINE_TEST_POSTGRES" })
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } v) return v;
        var script = Path.Combine(RepositoryRoot(), "deploy", "pg-local.sh");
        using var p = Process.Start(new ProcessStartInfo(script, "start") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"cannot run {script}");
        var url = p.StandardOutput.ReadToEnd().Trim().Split('\n').Last();
        p.WaitForExit();
        return p.ExitCode == 0 && url.Length > 0 ? url : throw new InvalidOperationException($"{script} start failed (exit {p.ExitCode})");
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hotline.Ops.sln"))) return dir.FullName;
        throw new InvalidOperationException("not inside the repository (no Hotline.Ops.sln above " + AppContext.BaseDirectory + ")");
    }
}
