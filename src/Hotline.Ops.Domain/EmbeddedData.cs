using System.Reflection;

namespace Hotline.Ops.Domain;

/// <summary>Data files shipped inside this assembly (Data/*.csv), read as lines.</summary>
internal static class EmbeddedData
{
    public static IReadOnlyList<string> Lines(string fileName)
    {
        using var stream = typeof(EmbeddedData).Assembly.GetManifestResourceStream("Hotline.Ops.Domain.Data." + fileName)
            ?? throw new InvalidOperationException($"Embedded data file {fileName} is missing.");
        using var reader = new StreamReader(stream);
        return Csv.DataLines(reader.ReadToEnd());
    }
}

/// <summary>The small CSV dialect of our data files: comma separated, no quoting, '#' comments, header first.</summary>
public static class Csv
{
    public static IReadOnlyList<string> DataLines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    public static string[] Split(string line) => line.Split(',');
}
