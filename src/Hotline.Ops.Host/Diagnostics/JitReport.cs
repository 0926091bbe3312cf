namespace Hotline.Ops.Host.Diagnostics;

/// <summary>
/// What this silo's JIT has compiled since its process started (the runtime's own totals, <see cref="System.Runtime.JitInfo"/>):
/// tier-0 code at first call and the optimized code of every method called often enough (tiered compilation), on any
/// thread. In February's replay at full speed it was about an eighth of the server's CPU (bench/FINDINGS.md 40), so the
/// benchmark reads it here beside the server's CPU time.
/// </summary>
/// <param name="CompiledMethods">Method bodies compiled, each tier counted.</param>
/// <param name="CompilingMs">Time spent compiling them, summed over threads.</param>
public sealed record JitReport(DateTimeOffset Since, long CompiledMethods, double CompilingMs)
{
    public static JitReport OfThisProcess() =>
        new(ThisProcess.Started, System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds);
}
