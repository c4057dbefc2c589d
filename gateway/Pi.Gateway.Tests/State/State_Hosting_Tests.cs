using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pi.Gateway.Qr;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.State;

[SupportedOSPlatform("linux")]
public sealed class State_Hosting_Tests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Registers_the_store_and_the_qr_command_from_configuration()
    {
        using var host = Build(new() { ["State:DataDirectory"] = _dir.File("data"), ["State:MaxFileBytes"] = "65536", ["SoftAp:Brand"] = "Acme" }, []);

        var options = host.Services.GetRequiredService<IOptions<StateOptions>>().Value;
        Assert.Equal(_dir.File("data"), options.DataDirectory);
        Assert.Equal(65536, options.MaxFileBytes);
        Assert.False(options.RegenerateIdentity);
        Assert.Equal("Acme", host.Services.GetRequiredService<IOptions<SoftApNamingOptions>>().Value.Brand);
        var store = host.Services.GetRequiredService<IGatewayStateStore>();
        Assert.Same(host.Services.GetRequiredService<FileGatewayStateStore>(), store);
        Assert.NotNull(host.Services.GetRequiredService<QrCommand>());
        await store.SaveResetFlagAsync(true, CancellationToken.None);
        Assert.True(File.Exists(_dir.File("data/flags.json")));
    }

    [Fact]
    public void The_regenerate_identity_switch_sets_the_option()
    {
        using var host = Build(new() { ["State:DataDirectory"] = _dir.File("data") }, ["--regenerate-identity"]);

        Assert.True(host.Services.GetRequiredService<IOptions<StateOptions>>().Value.RegenerateIdentity);
    }

    [Theory]
    [InlineData("State:DataDirectory", "relative")]
    [InlineData("State:MaxFileBytes", "lots")]
    [InlineData("SoftAp:Category", "has_underscore")]
    public async Task Invalid_options_stop_the_start(string key, string value)
    {
        var settings = new Dictionary<string, string?> { ["State:DataDirectory"] = _dir.File("data"), [key] = value };
        using var host = Build(settings, []);

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    private static IHost Build(Dictionary<string, string?> settings, string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddGatewayState(args);
        return builder.Build();
    }
}
