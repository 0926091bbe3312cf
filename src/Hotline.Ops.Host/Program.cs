using Hotline.Ops.Host;
using Hotline.Ops.Host.Storage;

try
{
    var app = HotlineServer.Build(args);
    await app.RunAsync();
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"hotline: {ex.Message}");
    return 2;
}
catch (StorageSetupException ex)
{
    Console.Error.WriteLine($"hotline: storage: {ex.Message}");
    return 3;
}
