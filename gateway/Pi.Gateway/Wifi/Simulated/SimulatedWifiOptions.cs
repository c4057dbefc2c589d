using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Pi.Gateway.Wifi.Config;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Simulated;

/// <summary>
/// The simulated radio's world: its MAC, the networks it can see, their passwords, and how joins
/// go. Read from a JSON file (source-generated serializer) or the <c>Wifi:Simulated</c> section.
/// </summary>
public sealed class SimulatedWifiOptions
{
    /// <summary>The radio's MAC (a locally administered address by default).</summary>
    public string MacAddress { get; set; } = "02:00:00:00:00:01";

    /// <summary>How long a join takes unless the network says otherwise.</summary>
    public TimeSpan JoinDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Where the radio keeps the router it joined (<c>Wifi:StationConfigPath</c>; not part of the
    /// world file), so a restarted simulated gateway is back on it as a real one is after a reboot.
    /// Null: only in memory.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? StationFile { get; set; }

    /// <summary>The networks in range.</summary>
    public IList<SimulatedNetwork> Networks
    {
        get => _networks;
        // A file without "networks" has none (the serializer may hand over null).
        set => _networks = value ?? [];
    }

    private IList<SimulatedNetwork> _networks = [];

    /// <summary>The problems with this world (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!WifiOptions.TryParseMac(MacAddress, out _))
        {
            problems.Add("Wifi:Simulated:MacAddress must look like aa:bb:cc:dd:ee:ff");
        }
        if (JoinDelay < TimeSpan.Zero)
        {
            problems.Add("Wifi:Simulated:JoinDelay must not be negative");
        }
        foreach (var (network, i) in Networks.Select((n, i) => (n, i)))
        {
            if (network is null)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"Wifi:Simulated:Networks:{i} is empty"));
                continue;
            }
            var at = string.Create(CultureInfo.InvariantCulture, $"Wifi:Simulated:Networks:{i}");
            try
            {
                _ = SettingRules.Ssid(network.Ssid);
            }
            catch (InvalidWifiSettingException)
            {
                problems.Add($"{at}:Ssid must be 1 to 32 bytes of UTF-8 text");
            }
            if (network.Signal is < -127 or > 0)
            {
                problems.Add($"{at}:Signal must be -127 to 0 dBm");
            }
            if (network.Ip is not null && !System.Net.IPAddress.TryParse(network.Ip, out _))
            {
                problems.Add($"{at}:Ip must be an IP address");
            }
            if (network.JoinDelay < TimeSpan.Zero)
            {
                problems.Add($"{at}:JoinDelay must not be negative");
            }
        }
        return problems;
    }

    /// <summary>Reads a JSON file (see docs/wifi.md for the format).</summary>
    /// <exception cref="InvalidOperationException">The file is missing or not valid.</exception>
    public static SimulatedWifiOptions Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Parse(stream);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"Wifi:SimulatedNetworksFile {path} cannot be read", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException($"Wifi:SimulatedNetworksFile {path} cannot be read", e);
        }
    }

    /// <summary>Reads the JSON format.</summary>
    /// <exception cref="InvalidOperationException">The JSON is not valid.</exception>
    public static SimulatedWifiOptions Parse(Stream json)
    {
        SimulatedWifiOptions? options;
        try
        {
            options = JsonSerializer.Deserialize(json, SimulatedWifiJsonContext.Default.SimulatedWifiOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"the simulated networks are not valid JSON ({e.Path}: {e.Message})", e);
        }
        if (options is null)
        {
            throw new InvalidOperationException("the simulated networks file is empty");
        }
        var problems = options.Validate();
        return problems.Count == 0 ? options : throw new InvalidOperationException(string.Join("; ", problems));
    }

    /// <summary>Writes the JSON format.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SimulatedWifiJsonContext.Default.SimulatedWifiOptions);

    /// <summary>Reads the <c>Wifi:Simulated</c> section without reflection.</summary>
    internal static SimulatedWifiOptions FromConfiguration(IConfiguration section)
    {
        var options = new SimulatedWifiOptions
        {
            MacAddress = section[nameof(MacAddress)] ?? "02:00:00:00:00:01",
            JoinDelay = Time(section, nameof(JoinDelay)) ?? TimeSpan.Zero,
        };
        foreach (var child in section.GetSection(nameof(Networks)).GetChildren())
        {
            options.Networks.Add(new SimulatedNetwork
            {
                Ssid = child[nameof(SimulatedNetwork.Ssid)] ?? string.Empty,
                Password = child[nameof(SimulatedNetwork.Password)],
                Signal = child[nameof(SimulatedNetwork.Signal)] is { } signal
                    ? int.Parse(signal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
                    : -50,
                Security = child[nameof(SimulatedNetwork.Security)] is { } security ? ParseSecurity(security) : null,
                // Absent: the default address; empty: no address (the JSON file's null).
                Ip = child[nameof(SimulatedNetwork.Ip)] is { } ip ? (ip.Length == 0 ? null : ip) : new SimulatedNetwork().Ip,
                JoinDelay = Time(child, nameof(SimulatedNetwork.JoinDelay)),
                Failure = child[nameof(SimulatedNetwork.Failure)] is { } failure ? ParseFailure(failure) : null,
            });
        }
        return options;
    }

    private static TimeSpan? Time(IConfiguration section, string key) =>
        section[key] is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;

    // The same names as the JSON file and the wire ("wpa2-psk", "wrong_password").
    private static WifiSecurity ParseSecurity(string text) =>
        ByJsonName(text, SimulatedWifiJsonContext.Default.WifiSecurity) ??
        throw new InvalidOperationException("Wifi:Simulated:Networks:Security must be one of open, wep, wpa-psk, wpa2-psk, wpa3-sae, wpa2-wpa3, enterprise, other");

    private static WifiFailure ParseFailure(string text) =>
        ByJsonName(text, SimulatedWifiJsonContext.Default.WifiFailure) ??
        throw new InvalidOperationException("Wifi:Simulated:Networks:Failure must be a wifi failure name such as wrong_password or radio_error");

    private static T? ByJsonName<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
        where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            if (JsonName(value, info) == text)
            {
                return value;
            }
        }
        return null;
    }

    private static string JsonName<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonSerializer.Serialize(value, info).Trim('"');
}

/// <summary>One simulated network.</summary>
public sealed class SimulatedNetwork
{
    /// <summary>Its SSID.</summary>
    public string Ssid { get; set; } = string.Empty;

    /// <summary>Its password; null or empty for an open network. (A test fixture's secret: never logged.)</summary>
    public string? Password { get; set; }

    /// <summary>Signal in dBm (-127..0).</summary>
    public int Signal { get; set; } = -50;

    /// <summary>Its security; by default wpa2-psk with a password, open without.</summary>
    public WifiSecurity? Security { get; set; }

    /// <summary>The address a join gets; null means the join associates but gets no address (NoIpAddress).</summary>
    public string? Ip { get; set; } = "192.168.1.50";

    /// <summary>How long joining it takes (overrides the radio's JoinDelay); longer than the join's timeout is a Timeout.</summary>
    public TimeSpan? JoinDelay { get; set; }

    /// <summary>Forces this outcome for a join with the right password (radio_error, no_ip_address, …).</summary>
    public WifiFailure? Failure { get; set; }

    /// <summary>The security a scan reports.</summary>
    [JsonIgnore]
    public WifiSecurity EffectiveSecurity => Security ?? (string.IsNullOrEmpty(Password) ? WifiSecurity.Open : WifiSecurity.Wpa2Psk);

    /// <inheritdoc />
    public override string ToString() => $"{Ssid} ({EffectiveSecurity})";
}

/// <summary>The simulated networks file, serialized without reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SimulatedWifiOptions))]
[JsonSerializable(typeof(WifiSecurity))]
[JsonSerializable(typeof(WifiFailure))]
internal sealed partial class SimulatedWifiJsonContext : JsonSerializerContext;
