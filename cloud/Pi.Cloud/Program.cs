using Pi.Cloud;

// The cloud host: `dotnet run --project cloud/Pi.Cloud` (settings: cloud/README.md).
// `dotnet run --project cloud/Pi.Cloud -- --version` prints the version.
// `dotnet run --project cloud/Pi.Cloud -- import-devices <file.csv|file.json>` imports factory records.
if (Pi.Protocol.ProductVersion.IsRequested(args))
{
    Console.WriteLine(Pi.Protocol.ProductVersion.Line("Pi.Cloud"));
    return 0;
}
if (args.Length > 0 && args[0] == "import-devices")
{
    return await DeviceImportCommand.RunAsync(args[1..]);
}

var app = CloudApp.Build(args);
await app.RunAsync();
return 0;
