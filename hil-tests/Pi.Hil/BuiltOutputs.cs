using System.Reflection;

namespace Pi.Hil;

/// <summary>
/// Where the built programs are: the test project references Pi.Cloud, Pi.Gateway, Pi.SubDevice
/// and Pi.App as projects (so they are built first, without referencing their assemblies) and
/// writes each one's output path into its own assembly metadata (keys below).
/// </summary>
/// <param name="Cloud">Pi.Cloud.dll</param>
/// <param name="Gateway">Pi.Gateway.dll</param>
/// <param name="SubDevice">Pi.SubDevice.dll</param>
/// <param name="App">Pi.App.dll</param>
public sealed record BuiltOutputs(string Cloud, string Gateway, string SubDevice, string App)
{
    /// <summary>Metadata keys.</summary>
    public const string CloudKey = "PiHilCloud", GatewayKey = "PiHilGateway", SubDeviceKey = "PiHilSubDevice", AppKey = "PiHilApp";

    /// <summary>Reads the paths from <paramref name="assembly"/>'s metadata; every file must exist.</summary>
    public static BuiltOutputs FromAssemblyMetadata(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var metadata = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        string Get(string key)
        {
            if (!metadata.TryGetValue(key, out var path) || string.IsNullOrEmpty(path))
            {
                throw new InvalidOperationException($"{assembly.GetName().Name} has no assembly metadata '{key}' (the path of a built program)");
            }
            return File.Exists(path) ? path : throw new FileNotFoundException($"{key}: {path} is not built", path);
        }
        return new BuiltOutputs(Get(CloudKey), Get(GatewayKey), Get(SubDeviceKey), Get(AppKey));
    }
}
