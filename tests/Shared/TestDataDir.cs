namespace Hotline.Ops.Testing;

/// <summary>
/// A server data directory under the temp folder, deleted on dispose. CI machines share a disk: test runs that left
/// their SQLite files behind filled it.
/// </summary>
public sealed class TestDataDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hotline-test-" + Guid.NewGuid().ToString("N"));

    public static implicit operator string(TestDataDir dir) => dir.Path;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { } // a file still held open: it goes with the temp folder
        catch (UnauthorizedAccessException) { }
    }
}
