using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pi.Gateway.Hosting;
using Pi.Gateway.Qr;
using Pi.Gateway.State;
using Pi.Gateway.Wifi;

// Pi.Gateway: the gateway service (gateway/README.md).
//   Pi.Gateway [--Section:Key=value ...]      run the service
//   Pi.Gateway qr [--png label.png]            print the label's QR payload (text, terminal, PNG)
//   Pi.Gateway --regenerate-identity           replace a corrupt identity (a new label is needed)
//   Pi.Gateway self-test                       check crypto, configuration and the data directory
//   Pi.Gateway --version                       print the version
if (Pi.Protocol.ProductVersion.IsRequested(args))
{
    Console.WriteLine(Pi.Protocol.ProductVersion.Line("Pi.Gateway"));
    return 0;
}
var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
var builder = GatewayApp.CreateBuilder(args);
if (verb is not null)
{
    builder.Logging.SetMinimumLevel(LogLevel.Warning); // a command prints its own output
}

switch (verb)
{
    case null:
        try
        {
            await builder.Build().RunAsync();
            return 0;
        }
        catch (IdentityCorruptException)
        {
            return IdentityCorruptException.ExitCode; // systemd: RestartPreventExitStatus
        }
    case "qr":
        using (var host = builder.Build())
        {
            var mac = string.Join(':', host.Services.GetRequiredService<IWifiRadio>().MacAddress.GetAddressBytes().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
            return await host.Services.GetRequiredService<QrCommand>().RunAsync([.. args[1..].Where(a => !a.Contains('=', StringComparison.Ordinal))], mac, Console.Out, Console.Error, CancellationToken.None);
        }
    case SelfTestCommand.Verb:
        using (var host = builder.Build())
        {
            return await SelfTestCommand.RunAsync(host, Console.Out, CancellationToken.None);
        }
    default:
        await Console.Error.WriteLineAsync($"unknown command '{verb}'; commands: qr, self-test (and --version)");
        return 64;
}
