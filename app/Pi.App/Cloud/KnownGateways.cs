using System.Text.Json;

namespace Pi.App.Cloud;

/// <summary>
/// <c>gateways.json</c> in the config directory: the gateways this app provisioned, with their
/// address on the router's LAN (from the Wi-Fi join), so <c>subdevices add</c> can tell a
/// sub-device where the gateway's broker is without <c>--broker</c>. Nothing in it is secret.
/// </summary>
internal sealed class KnownGateways
{
    public const string FileName = "gateways.json";

    private readonly string _path;

    public KnownGateways(string? configDir)
    {
        _path = Path.Combine(configDir ?? SessionStore.DefaultDirectory(), FileName);
    }

    public KnownGatewayDto? Find(string tid) => Load().GetValueOrDefault(tid);

    public void Remember(string tid, KnownGatewayDto gateway)
    {
        var all = Load();
        all[tid] = gateway;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temp = _path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(all, AppJson.Default.DictionaryStringKnownGatewayDto));
        File.Move(temp, _path, overwrite: true);
    }

    private Dictionary<string, KnownGatewayDto> Load()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(_path), AppJson.Default.DictionaryStringKnownGatewayDto) ?? [];
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            // Missing or damaged: it is only a convenience (--broker says the same).
            return [];
        }
    }
}
