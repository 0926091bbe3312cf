using System.Reflection;
using Hotline.Ops.Domain;

namespace Hotline.Ops.Domain.Tests;

internal static class TestSupport
{
    /// <summary>City time (UTC+8) instant.</summary>
    public static DateTimeOffset City(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) =>
        new(y, mo, d, h, mi, s, CityTime.Offset);

    /// <summary>The repository root: the nearest ancestor of the test binaries holding Hotline.Ops.sln.</summary>
    public static DirectoryInfo RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hotline.Ops.sln"))) return dir;
        throw new InvalidOperationException("Hotline.Ops.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The text of a data file as embedded in the domain assembly (what the domain actually reads).</summary>
    public static string EmbeddedText(string fileName)
    {
        var asm = typeof(BulletinCsv).Assembly;
        using var stream = asm.GetManifestResourceStream("Hotline.Ops.Domain.Data." + fileName)
            ?? throw new InvalidOperationException($"resource {fileName} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
