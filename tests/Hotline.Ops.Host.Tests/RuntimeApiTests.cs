using System.Net;
using System.Runtime;
using System.Net.Http.Json;
using Hotline.Ops.Host.Diagnostics;

namespace Hotline.Ops.Host.Tests;

public class RuntimeApiTests
{
    [Fact]
    public async Task The_silo_lists_its_garbage_collections_with_their_pauses_to_the_admin_only()
    {
        await using var s = await RunningServer.StartAsync();
        var before = DateTimeOffset.UtcNow;
        // The server runs in this process: a blocking full collection here is one of the silo's.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        GcReport? report = null;
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            report = await s.Http.GetFromJsonAsync<GcReport>("/api/ops/runtime/gc");
            if (report!.Recent.Any(p => p.Generation == 2 && !p.Background && p.At >= before)) break;
            await Task.Delay(50);
        }
        Assert.NotNull(report);
        Assert.Contains(report.Recent, p => p.Generation == 2 && !p.Background && p.At >= before);
        var full = report.Recent.First(p => p.Generation == 2 && !p.Background && p.At >= before);
        Assert.True(full.PauseMs > 0 && full.HeapBytes > 0, $"{full}");
        Assert.True(report.Collections[2] >= 1, $"gen2 collections: {report.Collections[2]}");
        Assert.True(report.PausedMs >= full.PauseMs, $"paused {report.PausedMs} ms in all, one pause {full.PauseMs} ms");
        Assert.True(report.Since <= before);
        Assert.True(report.Recent.Count <= GcPauses.Kept);
        // The collector's settings, as the runtime started this process (the tests' own: workstation or server alike).
        Assert.Equal(GCSettings.IsServerGC, report.Settings.Server);
        Assert.Equal(GCSettings.LatencyMode != GCLatencyMode.Batch, report.Settings.Concurrent); // Batch: concurrent GC off
        Assert.Equal(Convert.ToInt64(GC.GetConfigurationVariables()["HeapCount"], System.Globalization.CultureInfo.InvariantCulture), report.Settings.Heaps);
        Assert.True(report.Settings.Gen0MaxBudgetBytes > 0, $"{report.Settings}");

        // The silo's runtime is for the administrator: not for a wall, a lead, nor anyone without a token.
        using var wall = s.Client(s.Tokens!.Wall);
        using var lead = s.Client(s.Tokens.Lead);
        using var none = s.Client(null);
        foreach (var path in new[] { "/api/ops/runtime/gc", "/api/ops/runtime/jit", "/api/ops/runtime/tickets" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await wall.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await lead.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task The_silo_counts_what_its_JIT_compiled_and_the_time_it_took()
    {
        await using var s = await RunningServer.StartAsync();
        var before = await s.Http.GetFromJsonAsync<JitReport>("/api/ops/runtime/jit");
        Assert.NotNull(before);
        Assert.True(before.CompiledMethods > 0 && before.CompilingMs > 0, $"{before}");
        Assert.True(before.Since <= DateTimeOffset.UtcNow);

        // A method made at run time is compiled on its first call: the silo's totals (the process's) grow by it.
        var method = new System.Reflection.Emit.DynamicMethod("Twice", typeof(int), [typeof(int)]);
        var il = method.GetILGenerator();
        il.Emit(System.Reflection.Emit.OpCodes.Ldarg_0);
        il.Emit(System.Reflection.Emit.OpCodes.Ldc_I4_2);
        il.Emit(System.Reflection.Emit.OpCodes.Mul);
        il.Emit(System.Reflection.Emit.OpCodes.Ret);
        Assert.Equal(42, ((Func<int, int>)method.CreateDelegate(typeof(Func<int, int>)))(21));

        var after = await s.Http.GetFromJsonAsync<JitReport>("/api/ops/runtime/jit");
        Assert.NotNull(after);
        Assert.True(after.CompiledMethods > before.CompiledMethods, $"{before} then {after}");
        Assert.True(after.CompilingMs > before.CompilingMs, $"{before} then {after}");
        Assert.Equal(before.Since, after.Since);
    }
}
