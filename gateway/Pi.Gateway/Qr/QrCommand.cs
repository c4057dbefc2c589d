using Microsoft.Extensions.Options;
using Pi.Gateway.State;
using Pi.Protocol.Labels;

namespace Pi.Gateway.Qr;

/// <summary>
/// <c>Pi.Gateway qr [--png &lt;path&gt;] [--invert] [--regenerate-identity]</c>: prints the gateway's label (MAC, SSID, setup code,
/// serial number, uuid, the QR payload text and the QR code drawn for the terminal) and, with
/// <c>--png</c>, writes the QR code as a PNG (atomically, mode 0600: it holds the setup code). On a
/// new device it makes the identity first, so the label can be printed before the first start.
/// Run it as the service's user (<c>sudo -u pi-gateway</c>) so the files it makes stay the service's.
/// </summary>
public sealed class QrCommand
{
    /// <summary>The command's name on the command line.</summary>
    public const string Name = "qr";

    /// <summary>Exit codes (sysexits.h): done, bad usage, the PNG could not be written.</summary>
    public const int Success = 0, UsageError = 64, CannotWrite = 74;

    private const string Usage = "usage: Pi.Gateway qr [--png <path>] [--invert] [--regenerate-identity]\n"
        + "  --png <path>             also write the QR code as a PNG to <path> (mode 0600)\n"
        + "  --invert                 draw dark modules as blocks (for a terminal with a light background)\n"
        + "  --regenerate-identity    only if identity.json is corrupt: make a new identity (and wipe the\n"
        + "                           registration); a valid identity is never replaced\n";

    private readonly IGatewayStateStore _store;
    private readonly SoftApNamingOptions _naming;
    private readonly AtomicFile _files;

    /// <summary>A command over the gateway's state.</summary>
    public QrCommand(IGatewayStateStore store, IOptions<SoftApNamingOptions> naming, AtomicFile files)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(naming);
        ArgumentNullException.ThrowIfNull(files);
        _store = store;
        _naming = naming.Value;
        _files = files;
    }

    /// <summary>Runs the command.</summary>
    /// <param name="arguments">The arguments after <c>qr</c>.</param>
    /// <param name="interfaceMac">The Wi-Fi interface's MAC (used only when the identity is made now).</param>
    /// <param name="output">Where the label goes (standard output).</param>
    /// <param name="error">Where errors go (standard error); they never hold the setup code.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The exit code: <see cref="Success"/>, <see cref="UsageError"/>, <see cref="CannotWrite"/> or <see cref="IdentityCorruptException.ExitCode"/>.</returns>
    public async Task<int> RunAsync(IReadOnlyList<string> arguments, string interfaceMac, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? pngPath = null;
        var invert = false;
        for (var i = 0; i < arguments.Count; i++)
        {
            switch (arguments[i])
            {
                case "--png" when i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal) && pngPath is null:
                    pngPath = Path.GetFullPath(arguments[++i]);
                    break;
                case "--invert":
                    invert = true;
                    break;
                case StateOptions.RegenerateIdentityArgument:
                    // The host applies it to the state options (see AddGatewayState); here it is allowed.
                    break;
                case "--help" or "-h":
                    await output.WriteAsync(Usage).ConfigureAwait(false);
                    return Success;
                default:
                    await error.WriteAsync($"qr: unexpected argument '{arguments[i]}'\n{Usage}").ConfigureAwait(false);
                    return UsageError;
            }
        }
        var namingErrors = _naming.Validate();
        if (namingErrors.Count > 0)
        {
            await error.WriteLineAsync($"qr: {string.Join("; ", namingErrors)}").ConfigureAwait(false);
            return UsageError;
        }

        GatewayIdentity identity;
        try
        {
            identity = await _store.LoadOrCreateIdentityAsync(interfaceMac, null, cancellationToken).ConfigureAwait(false);
        }
        catch (IdentityCorruptException ex)
        {
            await error.WriteLineAsync($"qr: {ex.Message}").ConfigureAwait(false);
            return IdentityCorruptException.ExitCode;
        }

        var payload = new QrPayload(identity.Mac, identity.SetupCode, SoftApSsid.For(_naming, identity.Mac));
        var text = payload.ToText();
        await output.WriteAsync(
            "Pi Gateway label\n"
            + $"  MAC         {identity.Mac}\n"
            + $"  SSID        {payload.Ssid}\n"
            + $"  Setup code  {identity.SetupCode.ToDisplayString()}\n"
            + $"  SN          {identity.Sn}\n"
            + $"  UUID        {identity.Uuid}\n"
            + $"  QR text     {text}\n\n").ConfigureAwait(false);
        await output.WriteAsync(QrLabel.RenderTerminal(text, invert)).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);

        if (pngPath is not null)
        {
            try
            {
                await _files.WriteAsync(pngPath, QrLabel.RenderPng(text), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"qr: the PNG could not be written to {pngPath}: {ex.Message}").ConfigureAwait(false);
                return CannotWrite;
            }
            await output.WriteLineAsync($"PNG written to {pngPath} (mode 0600)").ConfigureAwait(false);
        }
        await output.WriteLineAsync("The setup code is a secret: keep this label with the device and this output out of shared logs.").ConfigureAwait(false);
        return Success;
    }
}
