using System.Collections.Concurrent;

namespace Hotline.Ops.Domain;

/// <summary>
/// One copy of each short value that thousands of orders repeat: a unit id, a category, a district. Every event parsed
/// brings its own copy, and a resident ticket kept it: one more object per value for each garbage collection to mark
/// and move (bench/FINDINGS.md item 26). Bounded, so input of many distinct values cannot grow it: past the cap, or
/// past a short length, a value is kept as it came.
/// </summary>
public sealed class SharedStrings(int cap, int maxLength = 64)
{
    /// <summary>The values of the feed's orders (units, categories, districts): a few hundred in a city.</summary>
    public static readonly SharedStrings Common = new(4096);

    private readonly ConcurrentDictionary<string, string> _pool = new(StringComparer.Ordinal);
    private int _count;

    public string? Of(string? value)
    {
        if (value is null || value.Length > maxLength) return value;
        if (_pool.TryGetValue(value, out var shared)) return shared;
        if (Volatile.Read(ref _count) >= cap) return value;
        if (_pool.TryAdd(value, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }
        return _pool.TryGetValue(value, out shared) ? shared : value;
    }
}
