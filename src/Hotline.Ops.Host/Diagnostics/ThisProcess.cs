namespace Hotline.Ops.Host.Diagnostics;

/// <summary>The silo's own process, as the runtime reports count from it.</summary>
internal static class ThisProcess
{
    /// <summary>When the process started: the runtime's totals (collections, compiled methods) count from here.</summary>
    public static readonly DateTimeOffset Started = StartTime();

    private static DateTimeOffset StartTime()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.StartTime.ToUniversalTime();
    }
}
