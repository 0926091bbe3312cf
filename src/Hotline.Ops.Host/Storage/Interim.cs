// INTERIM until the ADO.NET storage lands: memory storage with the same entry points.
namespace Hotline.Ops.Host.Storage;

public sealed class StorageSetupException(string message, Exception? inner = null) : Exception(message, inner);

public static class InterimStorage
{
    public static ISiloBuilder UseHotlineSqlite(this ISiloBuilder silo, string connectionString) =>
        silo.AddMemoryGrainStorage("hotline").AddMemoryGrainStorageAsDefault().UseInMemoryReminderService();
    public static ISiloBuilder UseHotlinePostgres(this ISiloBuilder silo, string connectionString) =>
        silo.AddMemoryGrainStorage("hotline").AddMemoryGrainStorageAsDefault().UseInMemoryReminderService();
}
