using System.Globalization;
using System.Text.Json;

namespace Pi.App.Demo;

/// <summary>
/// <see cref="IDemoProvisioning"/> through the app's own commands, as a user types them:
/// <c>provision --mac … --setup-code … --ssid … --password-stdin --no-input --search 127.0.0.1:PORT
/// --answer-port N --json</c>. <c>subdevices add</c> goes through <see cref="LibraryProvisioning"/>
/// until the command is in the app.
/// </summary>
internal sealed class CommandProvisioning : IDemoProvisioning
{
    private readonly DemoApp _app;
    private readonly LibraryProvisioning _library;

    public CommandProvisioning(DemoApp app)
    {
        _app = app;
        _library = new LibraryProvisioning(app);
    }

    public async Task<DemoProvisioned> ProvisionAsync(DemoProvisionRequest request, CancellationToken cancellationToken)
    {
        var run = await _app.RunAsync("provision",
        [
            "provision", "--mac", request.Mac, "--setup-code", request.SetupCode, "--ssid", request.Ssid, "--password-stdin", "--no-input",
            "--search", request.Search.ToString(), "--answer-port", request.AnswerPort.ToString(CultureInfo.InvariantCulture), "--timeout", "5", "--json",
        ], request.Password, cancellationToken).ConfigureAwait(false);
        var output = JsonSerializer.Deserialize(run.Stdout, DemoJson.Default.DemoProvisionOutput);
        if (output is not { Outcome: "connected", Tid: { } tid })
        {
            throw new DemoStepException("provision", $"provision printed no connected outcome: {output?.Outcome ?? "nothing"}", DemoCommand.PartFailed);
        }
        return new DemoProvisioned(tid, output.Ip, output.Online ?? false, output.Bound ?? false);
    }

    public Task<DemoAdded> AddSubDeviceAsync(DemoAddRequest request, CancellationToken cancellationToken) =>
        _library.AddSubDeviceAsync(request, cancellationToken);
}
