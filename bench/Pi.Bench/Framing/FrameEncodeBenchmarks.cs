using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Pi.Bench.Smoke;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Bench.Framing;

/// <summary>
/// Encoding one provisioning frame on the gateway: ProvisioningChannel.Seal of a deviceInfo
/// (datagram, with the gateway's public key in the payload region) or an ssidList (stream, with
/// its length prefix). The baseline is the irreducible work of putting that message on the wire
/// encrypted: System.Text.Json with the protocol's own source-generated context, then bare
/// AES-128-GCM into preallocated buffers. <see cref="JsonOnly"/> shows how much of that is JSON.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class FrameEncodeBenchmarks : ISmokeCheck
{
    private ProvisioningChannel? _gateway;
    private ProvisioningChannel? _verifier;
    private ProvisioningMessage _message = null!;
    private byte[] _publicKey = [];
    private AesGcm? _aes;
    private byte[] _nonce = [];
    private byte[] _header = [];
    private byte[] _ciphertext = [];
    private byte[] _tag = [];

    /// <summary>The message encoded.</summary>
    [Params(SampleMessage.DeviceInfo, SampleMessage.SsidList)]
    public SampleMessage Message { get; set; }

    private ProvisioningTransport Transport =>
        Message == SampleMessage.DeviceInfo ? ProvisioningTransport.Datagram : ProvisioningTransport.Stream;

    /// <summary>Creates the gateway's channel and the baseline's buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var key = Fixtures.AgreeKey();
        _message = Fixtures.Message(Message);
        _gateway = new ProvisioningChannel(key, ProvisioningRole.Gateway, Transport, openMode: false);
        _verifier = new ProvisioningChannel(key, ProvisioningRole.App, Transport, openMode: false);
        if (Transport == ProvisioningTransport.Datagram)
        {
            using var pair = EphemeralKeyPair.Generate();
            _publicKey = pair.PublicKey.ToArray();
        }

        // Same nonce every call: fine for timing, never for data.
        _aes = new AesGcm(key.Bytes, AeadSealer.TagSize);
        _nonce = new byte[Nonce.Size];
        Nonce.Write(_nonce, Nonce.Prefix(NonceChannel.ProvisioningStream, Direction.GatewayToApp), 42);
        _header = Fixtures.Payload(ProvisioningFrame.HeaderSize + _publicKey.Length);
        _ciphertext = new byte[JsonOnly().Length];
        _tag = new byte[AeadSealer.TagSize];
    }

    /// <summary>Disposes the channels and the AES context.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _gateway?.Dispose();
        _verifier?.Dispose();
        _aes?.Dispose();
    }

    /// <summary>JsonSerializer.SerializeToUtf8Bytes (source-generated) then AesGcm.Encrypt with the frame header as AAD.</summary>
    [Benchmark(Baseline = true)]
    public byte[] JsonAndAesGcm()
    {
        var json = JsonOnly();
        _aes!.Encrypt(_nonce, json, _ciphertext, _tag, _header);
        return _ciphertext;
    }

    /// <summary>JsonSerializer.SerializeToUtf8Bytes alone (no validation, no frame, no encryption).</summary>
    [Benchmark]
    public byte[] JsonOnly() => _message switch
    {
        DeviceInfo m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.DeviceInfo),
        SsidList m => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.SsidList),
        _ => throw new InvalidOperationException("unexpected message"),
    };

    /// <summary>ProvisioningChannel.Seal: validate, JSON, header, AES-GCM, length prefix on the stream.</summary>
    [Benchmark]
    public byte[] ChannelSeal() => _gateway!.Seal(_message, _publicKey);

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        if (result is not byte[] bytes)
        {
            throw new SmokeFailure($"{benchmark} returned no bytes");
        }
        var decoded = benchmark switch
        {
            nameof(JsonOnly) => ProtocolJson.DeserializeProvisioning(_message.FrameType, bytes),
            nameof(JsonAndAesGcm) => DecryptBaseline(bytes),
            nameof(ChannelSeal) => OpenFrame(bytes),
            _ => throw new SmokeFailure($"no check for {benchmark}"),
        };
        SmokeAssert.Equal(_message, decoded, benchmark);
    }

    private ProvisioningMessage DecryptBaseline(byte[] ciphertext)
    {
        var plaintext = new byte[ciphertext.Length];
        _aes!.Decrypt(_nonce, ciphertext, _tag, plaintext, _header);
        return ProtocolJson.DeserializeProvisioning(_message.FrameType, plaintext);
    }

    private ProvisioningMessage OpenFrame(byte[] sealedFrame)
    {
        var stream = Transport == ProvisioningTransport.Stream;
        var frameBytes = stream ? sealedFrame.AsSpan(StreamFrameDecoder.LengthPrefixSize) : sealedFrame;
        var frame = ProvisioningFrame.Parse(frameBytes, stream ? ProvisioningFrame.DefaultMaxStreamFrameSize : ProvisioningFrame.MaxDatagramSize);
        if (!frame.PublicKey.SequenceEqual(_publicKey))
        {
            throw new SmokeFailure("the frame's payload region is not the gateway's public key");
        }
        return _verifier!.Open(frame);
    }
}
