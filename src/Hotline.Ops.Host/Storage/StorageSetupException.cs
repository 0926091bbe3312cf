namespace Hotline.Ops.Host.Storage;

/// <summary>
/// The one failure type of storage setup (connect, permissions, missing schema). <see cref="Exception.Message"/>
/// is a single human-readable line meant to be printed as-is before the host exits non-zero;
/// the provider's exception stays available as <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class StorageSetupException : Exception
{
    public StorageSetupException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
