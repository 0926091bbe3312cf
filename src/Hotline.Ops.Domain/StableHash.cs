namespace Hotline.Ops.Domain;

/// <summary>FNV-1a over a string's UTF-16 units: the same in every process and run, unlike string.GetHashCode
/// (seeds, storage pages, replay lanes depend on it).</summary>
public static class StableHash
{
    public static uint Of(string s)
    {
        var h = 2166136261u;
        foreach (var ch in s) h = (h ^ ch) * 16777619u;
        return h;
    }
}
