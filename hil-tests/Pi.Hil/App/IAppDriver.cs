using System.Text.Json;
using Pi.Protocol.Labels;

namespace Pi.Hil;

/// <summary>What the APP is asked to provision: the label, the router, and where to search.</summary>
/// <param name="QrPayload">The gateway's label (QR payload text).</param>
/// <param name="Ssid">The router's SSID.</param>
/// <param name="Password">The router's password (given on stdin, never on the command line).</param>
public sealed record ProvisionRequest(string QrPayload, string Ssid, string? Password)
{
    /// <summary>Per-search timeout in seconds (the APP's --timeout).</summary>
    public int SearchTimeoutSeconds { get; init; } = 5;

    /// <summary>How long the APP waits for the gateway to come online (--online-timeout).</summary>
    public int OnlineTimeoutSeconds { get; init; } = 30;

    /// <summary>Where the second search goes instead of the rig's LAN search end point (a place nobody answers: the APP drops mid-way).</summary>
    public System.Net.IPEndPoint? LanSearch { get; init; }

    /// <summary>The label's verification code, for a cloud that trusts a device's first registration (none: the cloud has the factory record).</summary>
    public string? VerificationCode { get; init; }
}

/// <summary>What the APP is asked to add as a sub-device: its label, and where it and the gateway's broker are.</summary>
/// <param name="Mac">The sub-device's MAC.</param>
/// <param name="SetupCode">Its setup code (display form).</param>
/// <param name="Kind">sensor or switch.</param>
/// <param name="Search">Where the sub-device listens for searchDevice.</param>
/// <param name="Broker">The gateway's LAN broker (mqtt://host:port).</param>
public sealed record SubDeviceRequest(string Mac, string SetupCode, string Kind, System.Net.IPEndPoint Search, string Broker);

/// <summary>What a provisioning run ended with: the APP's exit code and its JSON outcome.</summary>
public sealed record ProvisionResult(int ExitCode, JsonElement? Outcome, CliResult Raw)
{
    /// <summary>The outcome's <c>outcome</c> member (connected, failed, already_bound), or null.</summary>
    public string? OutcomeName => Outcome is { } o && o.TryGetProperty("outcome", out var v) ? v.GetString() : null;

    /// <summary>A string member of the outcome, or null.</summary>
    public string? Member(string name) => Outcome is { } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <inheritdoc />
    public override string ToString() => Raw.ToString();
}

/// <summary>
/// The seam through which scenarios provision: today the real <c>pi-app provision</c> process
/// (<see cref="CliAppDriver"/>).
/// </summary>
public interface IAppDriver
{
    /// <summary>Provisions the gateway as <paramref name="user"/>: search, Wi-Fi, register, hand-over, online, bind.</summary>
    Task<ProvisionResult> ProvisionAsync(AppUser user, ProvisionRequest request, CancellationToken cancellationToken);

    /// <summary>Adds a sub-device under <paramref name="tid"/> as <paramref name="user"/> (<c>subdevices add</c>).</summary>
    Task<CliResult> AddSubDeviceAsync(AppUser user, string tid, SubDeviceRequest request, CancellationToken cancellationToken);
}

/// <summary>Provisioning through the built APP, exactly as a user runs it (the contract's CLI).</summary>
public sealed class CliAppDriver(AppCli cli, GatewayAddresses addresses) : IAppDriver
{
    /// <inheritdoc />
    public async Task<ProvisionResult> ProvisionAsync(AppUser user, ProvisionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        List<string> args =
        [
            "provision", "--qr", request.QrPayload, "--ssid", request.Ssid, "--no-input", "--json",
            "--search", addresses.SearchEndPoint.ToString(), "--lan-search", (request.LanSearch ?? addresses.LanSearchEndPoint).ToString(),
            "--answer-port", addresses.AnswerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--timeout", request.SearchTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--online-timeout", request.OnlineTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        if (request.Password is not null)
        {
            args.Add("--password-stdin");
        }
        if (request.VerificationCode is not null)
        {
            args.AddRange(["--verification-code", request.VerificationCode]);
        }
        if (addresses.AppInterface is { } nic)
        {
            args.AddRange(["--interface", nic]);
        }
        var result = await cli.RunAsync(user, args, request.Password is null ? null : request.Password + "\n", TimeSpan.FromSeconds(request.OnlineTimeoutSeconds + 60), cancellationToken).ConfigureAwait(false);
        JsonElement? outcome = null;
        try
        {
            outcome = result.Json;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // No JSON: the exit code and stderr tell what happened.
        }
        return new ProvisionResult(result.ExitCode, outcome, result);
    }

    /// <inheritdoc />
    public Task<CliResult> AddSubDeviceAsync(AppUser user, string tid, SubDeviceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        List<string> args =
        [
            "subdevices", "add", tid, "--mac", request.Mac, "--setup-code", request.SetupCode, "--kind", request.Kind,
            "--search", request.Search.ToString(), "--answer-port", addresses.AnswerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--broker", request.Broker, "--timeout", "5", "--online-timeout", "30", "--json",
        ];
        return cli.RunAsync(user, args, cancellationToken: cancellationToken);
    }
}
