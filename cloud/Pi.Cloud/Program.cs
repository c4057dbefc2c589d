using Pi.Cloud;

// The cloud host: `dotnet run --project cloud/Pi.Cloud` (settings: cloud/README.md).
// `dotnet run --project cloud/Pi.Cloud -- import-devices <file.csv|file.json>` imports factory records.
if (args.Length > 0 && args[0] == "import-devices")
{
    return await DeviceImportCommand.RunAsync(args[1..]);
}

var app = CloudApp.Build(args);
await app.RunAsync();
return 0;
