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
/// Decoding one provisioning frame on the APP: ProvisioningFrame.Parse, ProvisioningChannel.Open
/// (checks, replay window, AES-GCM) and the JSON decode with validation. The baseline is bare
/// AES-128-GCM decryption into a preallocated buffer plus System.Text.Json with the protocol's own
/// source-generated context and no validation.
/// </summary>
/// <remarks>
/// A receiving channel accepts each counter once, so the frames are sealed up front (counters 0 to
/// <see cref="FramesPerIteration"/> - 1) and every iteration opens them in order with a fresh
/// receiving channel made in [IterationSetup], outside the measurement. That fixes the invocation
/// count per iteration for every method of this class.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(FramesPerIteration)]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class FrameDecodeBenchmarks : ISmokeCheck
{
    /// <summary>Frames opened per iteration (a multiple of the default unroll factor, 16).</summary>
    public const int FramesPerIteration = 65536;

    private SymmetricKey _key = null!;
    private ProvisioningMessage _message = null!;
    private byte[][] _frames = [];
    private ProvisioningChannel? _app;
    private int _next;
    private AesGcm? _aes;
    private byte[] _nonce = [];
    private byte[] _associatedData = [];
    private byte[] _ciphertext = [];
    private byte[] _tag = [];
    private byte[] _plaintext = [];
    private byte[] _json = [];

    /// <summary>The message decoded.</summary>
    [Params(SampleMessage.DeviceInfo, SampleMessage.SsidList)]
    public SampleMessage Message { get; set; }

    private ProvisioningTransport Transport =>
        Message == SampleMessage.DeviceInfo ? ProvisioningTransport.Datagram : ProvisioningTransport.Stream;

    private int MaxFrameSize => Transport == ProvisioningTransport.Datagram
        ? ProvisioningFrame.MaxDatagramSize
        : ProvisioningFrame.DefaultMaxStreamFrameSize;

    /// <summary>Seals the frames (without stream length prefixes) and prepares the baseline from the first.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _key = Fixtures.AgreeKey();
        _message = Fixtures.Message(Message);
        _json = ProtocolJson.Serialize(_message);
        byte[] publicKey = [];
        if (Transport == ProvisioningTransport.Datagram)
        {
            using var pair = EphemeralKeyPair.Generate();
            publicKey = pair.PublicKey.ToArray();
        }
        using (var gateway = new ProvisioningChannel(_key, ProvisioningRole.Gateway, Transport, openMode: false))
        {
            var prefix = Transport == ProvisioningTransport.Stream ? StreamFrameDecoder.LengthPrefixSize : 0;
            _frames = new byte[FramesPerIteration][];
            for (var i = 0; i < _frames.Length; i++)
            {
                _frames[i] = gateway.Seal(_message, publicKey)[prefix..];
            }
        }

        var first = ProvisioningFrame.Parse(_frames[0], MaxFrameSize);
        var channel = Transport == ProvisioningTransport.Datagram ? NonceChannel.ProvisioningDatagram : NonceChannel.ProvisioningStream;
        _aes = new AesGcm(_key.Bytes, AeadSealer.TagSize);
        _nonce = new byte[Nonce.Size];
        Nonce.Write(_nonce, Nonce.Prefix(channel, Direction.GatewayToApp), first.Sequence);
        _associatedData = first.AssociatedData.ToArray();
        _ciphertext = first.Ciphertext.ToArray();
        _tag = first.Tag.ToArray();
        _plaintext = new byte[_ciphertext.Length];
    }

    /// <summary>A fresh receiving channel: its replay window accepts counters 0 and up again.</summary>
    [IterationSetup(Targets = [nameof(ParseOpen), nameof(ParseOpenDecode)])]
    public void FreshReceiver()
    {
        _app?.Dispose();
        _app = new ProvisioningChannel(_key, ProvisioningRole.App, Transport, openMode: false);
        _next = 0;
    }

    /// <summary>Disposes the channel and the AES context.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _app?.Dispose();
        _aes?.Dispose();
    }

    /// <summary>AesGcm.Decrypt into a preallocated buffer, then JsonSerializer.Deserialize (source-generated, no validation).</summary>
    [Benchmark(Baseline = true)]
    public ProvisioningMessage AesGcmAndJson()
    {
        _aes!.Decrypt(_nonce, _ciphertext, _tag, _plaintext, _associatedData);
        return Deserialize(_plaintext);
    }

    /// <summary>JsonSerializer.Deserialize alone.</summary>
    [Benchmark]
    public ProvisioningMessage JsonOnly() => Deserialize(_json);

    /// <summary>ProvisioningFrame.Parse and ProvisioningChannel.OpenPlaintext (no JSON).</summary>
    [Benchmark]
    public byte[] ParseOpen() =>
        _app!.OpenPlaintext(ProvisioningFrame.Parse(_frames[_next++], MaxFrameSize));

    /// <summary>ProvisioningFrame.Parse and ProvisioningChannel.Open: the full receive path.</summary>
    [Benchmark]
    public ProvisioningMessage ParseOpenDecode() =>
        _app!.Open(ProvisioningFrame.Parse(_frames[_next++], MaxFrameSize));

    private ProvisioningMessage Deserialize(ReadOnlySpan<byte> json) => Message switch
    {
        SampleMessage.DeviceInfo => JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.DeviceInfo)!,
        SampleMessage.SsidList => JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.SsidList)!,
        _ => throw new InvalidOperationException("unexpected message"),
    };

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        if (benchmark == nameof(ParseOpen))
        {
            SmokeAssert.BytesEqual(_json, result, benchmark);
        }
        else
        {
            SmokeAssert.Equal(_message, result, benchmark);
        }
    }
}
