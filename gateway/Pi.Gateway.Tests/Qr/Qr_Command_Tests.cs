using System.Runtime.Versioning;
using Microsoft.Extensions.Options;
using Pi.Gateway.Qr;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;
using Pi.Protocol.Labels;

namespace Pi.Gateway.Tests.Qr;

[SupportedOSPlatform("linux")]
public sealed class Qr_Command_Tests : IDisposable
{
    private readonly StoreHarness _harness = new();
    private readonly TestDirectory _out = new();

    public void Dispose()
    {
        _harness.Dispose();
        _out.Dispose();
    }

    [Fact]
    public async Task On_a_new_device_makes_the_identity_and_prints_the_label()
    {
        var (code, output, error) = await RunAsync();

        Assert.Equal(0, code);
        Assert.Empty(error);
        var identity = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        var payload = new QrPayload(identity.Mac, identity.SetupCode, "pi_gateway_123456");
        Assert.Contains("  MAC         B8:27:EB:12:34:56\n", output, StringComparison.Ordinal);
        Assert.Contains("  SSID        pi_gateway_123456\n", output, StringComparison.Ordinal);
        Assert.Contains($"  Setup code  {identity.SetupCode.ToDisplayString()}\n", output, StringComparison.Ordinal);
        Assert.Contains($"  SN          {identity.Sn}\n", output, StringComparison.Ordinal);
        Assert.Contains($"  UUID        {identity.Uuid}\n", output, StringComparison.Ordinal);
        Assert.Contains($"  QR text     {payload.ToText()}\n", output, StringComparison.Ordinal);
        Assert.Contains(QrLabel.RenderTerminal(payload.ToText()), output, StringComparison.Ordinal);
        Assert.DoesNotContain(identity.VerificationCode.Reveal(), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prints_the_same_label_every_time()
    {
        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first.Output, second.Output);
    }

    [Fact]
    public async Task Writes_the_png_atomically_with_mode_0600()
    {
        var png = _out.File("label.png");

        var (code, output, _) = await RunAsync("--png", png);

        Assert.Equal(0, code);
        Assert.Contains($"PNG written to {png} (mode 0600)", output, StringComparison.Ordinal);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(PngImage.Signature, bytes[..8]);
        var identity = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        Assert.Equal(QrLabel.RenderPng(new QrPayload(identity.Mac, identity.SetupCode, "pi_gateway_123456").ToText()), bytes);
        Assert.Equal(AtomicFile.PrivateFileMode, File.GetUnixFileMode(png));
        Assert.Equal(["label.png"], _out.FileNames());
    }

    [Fact]
    public async Task Uses_the_configured_brand_and_category_and_inverts_on_request()
    {
        var (code, output, _) = await RunAsync(new SoftApNamingOptions { Brand = "Acme", Category = "hub" }, "--invert");

        Assert.Equal(0, code);
        Assert.Contains("  SSID        Acme_hub_123456\n", output, StringComparison.Ordinal);
        var text = output.Split('\n').First(l => l.StartsWith("  QR text", StringComparison.Ordinal))["  QR text     ".Length..];
        Assert.Contains(QrLabel.RenderTerminal(text, invert: true), output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--png")]
    [InlineData("--png", "--invert")]
    [InlineData("--png", "a.png", "--png", "b.png")]
    public async Task Bad_arguments_are_a_usage_error(params string[] arguments)
    {
        var (code, output, error) = await RunAsync(arguments);

        Assert.Equal(QrCommand.UsageError, code);
        Assert.Empty(output);
        Assert.Contains("usage: Pi.Gateway qr", error, StringComparison.Ordinal);
        Assert.False(File.Exists(_harness.File("identity.json")));
    }

    [Fact]
    public async Task Help_prints_the_usage()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.StartsWith("usage: Pi.Gateway qr [--png <path>] [--invert] [--regenerate-identity]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_naming_options_are_a_usage_error()
    {
        var (code, _, error) = await RunAsync(new SoftApNamingOptions { Brand = "my_brand" });

        Assert.Equal(QrCommand.UsageError, code);
        Assert.Contains("SoftAp:Brand", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_png_that_cannot_be_written_is_an_io_error_without_the_setup_code()
    {
        var (code, output, error) = await RunAsync("--png", _out.File("missing/dir/label.png"));

        Assert.Equal(QrCommand.CannotWrite, code);
        Assert.Contains("the PNG could not be written", error, StringComparison.Ordinal);
        var identity = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        Assert.DoesNotContain(identity.SetupCode.ToCanonicalString(), error, StringComparison.Ordinal);
        Assert.Contains(identity.SetupCode.ToDisplayString(), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_identity_exits_78_naming_the_file_and_the_way_out()
    {
        await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        await File.WriteAllTextAsync(_harness.File("identity.json"), "{\"version\":1");

        var (code, output, error) = await RunAsync();

        Assert.Equal(78, code);
        Assert.Empty(output);
        Assert.Contains(_harness.File("identity.json"), error, StringComparison.Ordinal);
        Assert.Contains("--regenerate-identity", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_regenerate_switch_a_corrupt_identity_gets_a_new_label()
    {
        var old = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        await File.WriteAllTextAsync(_harness.File("identity.json"), "{\"version\":1");

        var (code, output, error) = await RunAsync(new SoftApNamingOptions(), regenerateIdentity: true, "--regenerate-identity");

        Assert.Equal(0, code);
        Assert.Empty(error);
        var identity = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);
        Assert.NotEqual(old.Uuid, identity.Uuid);
        Assert.Contains($"  Setup code  {identity.SetupCode.ToDisplayString()}\n", output, StringComparison.Ordinal);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] arguments) => RunAsync(new SoftApNamingOptions(), arguments);

    private Task<(int Code, string Output, string Error)> RunAsync(SoftApNamingOptions naming, params string[] arguments) =>
        RunAsync(naming, regenerateIdentity: false, arguments);

    private async Task<(int Code, string Output, string Error)> RunAsync(SoftApNamingOptions naming, bool regenerateIdentity, params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new QrCommand(_harness.Start(regenerateIdentity: regenerateIdentity), Options.Create(naming), new AtomicFile());

        var code = await command.RunAsync(arguments, StoreHarness.InterfaceMac, output, error, CancellationToken.None);

        return (code, output.ToString(), error.ToString());
    }
}
