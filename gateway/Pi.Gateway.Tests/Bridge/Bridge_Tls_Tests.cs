using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using Pi.Protocol.Crypto;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>The local broker's TLS port (Bridge:TlsCertificatePath), with the certificate pinned by the sub-device.</summary>
public sealed class Bridge_Tls_Tests
{
    [Fact]
    public async Task A_sub_device_links_over_tls_with_a_pinned_certificate_and_the_plain_port_can_be_off()
    {
        var directory = Directory.CreateTempSubdirectory("pi-bridge-tls-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=pi-gateway.local", key, HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            var path = Path.Combine(directory, "lan.pfx");
            await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
            var pin = certificate.GetCertHash(HashAlgorithmName.SHA256);

            await using var harness = await BridgeHarness.StartAsync(o =>
            {
                o.Port = -1;
                o.TlsPort = 0;
                o.TlsCertificatePath = path;
                o.TlsCertificatePassword = "pfx-password";
            });
            await harness.OnlineAsync();
            Assert.Null(harness.Bridge.Endpoint);
            var (did, localKey) = await harness.AddSubDeviceAsync();
            harness.Bridge.Open(TimeSpan.FromMinutes(1));

            using var client = new MqttClientFactory().CreateMqttClient();
            var welcome = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.ApplicationMessageReceivedAsync += args =>
            {
                if (args.ApplicationMessage.Topic == Topics.DeviceWelcome(did))
                {
                    welcome.TrySetResult();
                }
                return Task.CompletedTask;
            };
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", harness.Bridge.TlsEndpoint!.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId(did)
                .WithCredentials(did, KeyDerivation.DeriveLanPassword(localKey, did).Reveal())
                .WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(args =>
                    args.Certificate is not null && CryptographicOperations.FixedTimeEquals(pin, args.Certificate.GetCertHash(HashAlgorithmName.SHA256))))
                .Build();
            Assert.Equal(MqttClientConnectResultCode.Success, (await client.ConnectAsync(options)).ResultCode);
            await client.SubscribeAsync(Topics.DeviceWelcome(did), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.DeviceHello(did))
                .WithPayload(Pi.Protocol.Messages.ProtocolJson.Serialize(new Pi.Protocol.Messages.LinkHello(RandomNumberGenerator.GetBytes(16))))
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            await welcome.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await client.DisconnectAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
