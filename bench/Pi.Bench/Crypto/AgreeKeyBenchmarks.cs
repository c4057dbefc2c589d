using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Pi.Bench.Smoke;
using Pi.Protocol.Crypto;

namespace Pi.Bench.Crypto;

/// <summary>
/// The agreekey derivation a gateway runs once per provisioning attempt: ECDH P-256 with the APP's
/// public key, then HKDF-SHA256. The baseline is the bare ECDH step with BCL types and no imports.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class AgreeKeyBenchmarks : ISmokeCheck
{
    private readonly byte[] _lastGatewayPublicKey = new byte[EphemeralKeyPair.PublicKeySize];
    private ECDiffieHellman? _bclGateway;
    private ECDiffieHellman? _bclApp;
    private ECDiffieHellmanPublicKey? _bclAppPublicKey;
    private EphemeralKeyPair? _app;
    private EphemeralKeyPair? _gateway;
    private byte[] _appPublicKey = [];
    private byte[] _gatewayPublicKey = [];
    private byte[] _sharedSecret = [];
    private ProvisioningSecret? _secret;

    /// <summary>Creates the key pairs (an APP and a long-lived gateway pair) and a setup-code secret.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _bclGateway = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        _bclApp = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        _bclAppPublicKey = _bclApp.PublicKey;
        _app = EphemeralKeyPair.Generate();
        _gateway = EphemeralKeyPair.Generate();
        _appPublicKey = _app.PublicKey.ToArray();
        _gatewayPublicKey = _gateway.PublicKey.ToArray();
        _sharedSecret = _gateway.DeriveSharedSecret(_appPublicKey);
        _secret = ProvisioningSecret.FromSetupCode(SetupCode.Generate());
    }

    /// <summary>Disposes the key pairs.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _bclAppPublicKey?.Dispose();
        _bclApp?.Dispose();
        _bclGateway?.Dispose();
        _app?.Dispose();
        _gateway?.Dispose();
    }

    /// <summary>ECDiffieHellman.DeriveRawSecretAgreement with both keys already loaded (BCL only).</summary>
    [Benchmark(Baseline = true)]
    public byte[] BareEcdh() => _bclGateway!.DeriveRawSecretAgreement(_bclAppPublicKey!);

    /// <summary>
    /// BCL only: import the APP's public key from its X and Y coordinates (ImportParameters, as
    /// <see cref="EphemeralKeyPair"/> does), then ECDH. The part of <see cref="Derive"/> that is
    /// not Pi.Protocol's own code.
    /// </summary>
    [Benchmark]
    public byte[] BareImportAndEcdh()
    {
        using var peer = ECDiffieHellman.Create();
        peer.ImportParameters(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = _appPublicKey[1..33], Y = _appPublicKey[33..] },
        });
        using var peerPublicKey = peer.PublicKey;
        return _bclGateway!.DeriveRawSecretAgreement(peerPublicKey);
    }

    /// <summary>
    /// What a gateway does per provisioning: EphemeralKeyPair.Generate, then DeriveAgreeKey (import
    /// and check the APP's public key, ECDH, HKDF).
    /// </summary>
    [Benchmark]
    public SymmetricKey GenerateAndDerive()
    {
        using var own = EphemeralKeyPair.Generate();
        var key = KeyDerivation.DeriveAgreeKey(own, ProvisioningRole.Gateway, _appPublicKey, _secret!);
        own.PublicKey.CopyTo(_lastGatewayPublicKey); // only for the smoke check: 65 bytes, no allocation
        return key;
    }

    /// <summary>DeriveAgreeKey with an existing key pair: import the peer key, ECDH, HKDF.</summary>
    [Benchmark]
    public SymmetricKey Derive() =>
        KeyDerivation.DeriveAgreeKey(_gateway!, ProvisioningRole.Gateway, _appPublicKey, _secret!);

    /// <summary>The HKDF step alone, from an already computed shared secret.</summary>
    [Benchmark]
    public SymmetricKey HkdfOnly() =>
        KeyDerivation.DeriveAgreeKey(_sharedSecret, _appPublicKey, _gatewayPublicKey, _secret!);

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        switch (benchmark)
        {
            case nameof(BareEcdh):
                // Both sides of the BCL agreement must compute the same secret.
                using (var gatewayPublicKey = _bclGateway!.PublicKey)
                {
                    SmokeAssert.BytesEqual(_bclApp!.DeriveRawSecretAgreement(gatewayPublicKey), result, benchmark);
                }
                break;
            case nameof(BareImportAndEcdh):
                // The BCL gateway key against the protocol's APP key pair.
                using (var gatewayPublicKey = _bclGateway!.PublicKey)
                {
                    var parameters = gatewayPublicKey.ExportParameters();
                    byte[] point = [0x04, .. parameters.Q.X!, .. parameters.Q.Y!];
                    SmokeAssert.BytesEqual(_app!.DeriveSharedSecret(point), result, benchmark);
                }
                break;
            case nameof(GenerateAndDerive):
                SmokeAssert.SameKey(KeyDerivation.DeriveAgreeKey(_app!, ProvisioningRole.App, _lastGatewayPublicKey, _secret!), result, benchmark);
                break;
            case nameof(Derive):
            case nameof(HkdfOnly):
                SmokeAssert.SameKey(KeyDerivation.DeriveAgreeKey(_app!, ProvisioningRole.App, _gatewayPublicKey, _secret!), result, benchmark);
                break;
            default:
                throw new SmokeFailure($"no check for {benchmark}");
        }
    }
}
