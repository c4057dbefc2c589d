using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.State;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Bridge;

/// <summary>On disk: which sub-devices linked at least once, under which key id (bridge-linked.json).</summary>
internal sealed record LinkedFile(int Version, IReadOnlyDictionary<string, uint> Linked);

/// <summary>What the broker knows about one sub-device it may admit.</summary>
public sealed class SubDeviceEntry
{
    internal SubDeviceEntry(SubDeviceCredentials credentials, bool linked)
    {
        Credentials = credentials;
        LinkedBefore = linked;
        var password = KeyDerivation.DeriveLanPassword(credentials.LocalKey, credentials.Did).Reveal();
        PasswordHash = SHA256.HashData(Encoding.ASCII.GetBytes(password));
    }

    /// <summary>The keys the cloud pushed.</summary>
    public SubDeviceCredentials Credentials { get; }

    /// <summary>Whether it linked before under these keys (then no pairing window is needed).</summary>
    public bool LinkedBefore { get; internal set; }

    /// <summary>SHA-256 of its LAN password, compared in constant time at connect.</summary>
    internal byte[] PasswordHash { get; }
}

/// <summary>
/// The sub-devices the gateway may admit: the credentials the cloud pushed (read from the state
/// store after every change) and, per did, whether it already linked under its current key id (kept
/// in <c>bridge-linked.json</c> in the data directory, so pairing is needed once per key pair, not
/// after every restart). Removed dids are remembered for the life of the process so that their
/// connects are refused as revoked rather than unknown.
/// </summary>
public sealed partial class SubDeviceKeys : IDisposable
{
    /// <summary>The file that remembers linked sub-devices.</summary>
    public const string LinkedFileName = "bridge-linked.json";

    private readonly IGatewayStateStore _store;
    private readonly string _linkedPath;
    private readonly AtomicFile _files = new();
    private readonly ILogger<SubDeviceKeys> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);
    private volatile Dictionary<string, SubDeviceEntry> _entries = new(StringComparer.Ordinal);

    public SubDeviceKeys(IGatewayStateStore store, IOptions<StateOptions> state, ILogger<SubDeviceKeys> logger)
    {
        ArgumentNullException.ThrowIfNull(state);
        _store = store;
        _linkedPath = Path.Combine(state.Value.DataDirectory, LinkedFileName);
        _logger = logger;
    }

    /// <summary>Sub-devices known now.</summary>
    public int Count => _entries.Count;

    /// <summary>The entry of <paramref name="did"/>, if the gateway holds its keys.</summary>
    public SubDeviceEntry? Find(string did) => _entries.GetValueOrDefault(did);

    /// <summary>Whether <paramref name="did"/> was removed while this process ran.</summary>
    public bool IsRevoked(string did) => _revoked.ContainsKey(did);

    /// <summary>Whether <paramref name="password"/> is the LAN password of <paramref name="entry"/>.</summary>
    public static bool PasswordMatches(SubDeviceEntry entry, ReadOnlySpan<byte> password)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(password, hash);
        return CryptographicOperations.FixedTimeEquals(hash, entry.PasswordHash);
    }

    /// <summary>
    /// Reads the credentials again (after the cloud added or removed a sub-device, or a reset) and
    /// returns the dids that are gone or whose keys changed: their connections must close.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReloadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var loaded = await _store.LoadSubDevicesAsync(cancellationToken).ConfigureAwait(false);
            var linked = await ReadLinkedAsync(cancellationToken).ConfigureAwait(false);
            var next = new Dictionary<string, SubDeviceEntry>(StringComparer.Ordinal);
            foreach (var credentials in loaded.Value ?? [])
            {
                var wasLinked = linked.TryGetValue(credentials.Did, out var keyId) && keyId == credentials.KeyId;
                next[credentials.Did] = new SubDeviceEntry(credentials, wasLinked);
                _revoked.TryRemove(credentials.Did, out _);
            }
            var gone = new List<string>();
            foreach (var (did, old) in _entries)
            {
                if (!next.TryGetValue(did, out var now))
                {
                    gone.Add(did);
                    _revoked[did] = 0;
                }
                else if (now.Credentials.KeyId != old.Credentials.KeyId || !now.Credentials.LocalKey.Equals(old.Credentials.LocalKey))
                {
                    gone.Add(did);
                }
            }
            _entries = next;
            // Marks of sub-devices that are gone or re-keyed are left out of what is kept.
            if (LinkedMarks().Count != linked.Count)
            {
                await WriteLinkedAsync(cancellationToken).ConfigureAwait(false);
            }
            LogReloaded(_logger, next.Count, gone.Count);
            return gone;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Remembers that <paramref name="entry"/> linked (so it needs no pairing window again).</summary>
    public async Task MarkLinkedAsync(SubDeviceEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.LinkedBefore)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            entry.LinkedBefore = true;
            await WriteLinkedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Factory reset: every sub-device is revoked and the linked marks are deleted.</summary>
    public async Task<IReadOnlyList<string>> WipeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var gone = _entries.Keys.ToList();
            foreach (var did in gone)
            {
                _revoked[did] = 0;
            }
            _entries = new Dictionary<string, SubDeviceEntry>(StringComparer.Ordinal);
            File.Delete(_linkedPath);
            return gone;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private async Task<Dictionary<string, uint>> ReadLinkedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await File.ReadAllBytesAsync(_linkedPath, cancellationToken).ConfigureAwait(false);
            var file = JsonSerializer.Deserialize(bytes, GatewayJsonContext.Default.LinkedFile);
            if (file?.Linked is { } linked && file.Version == 1 && linked.Keys.All(d => Pi.Protocol.Identifiers.IsValid(d.AsSpan())))
            {
                return new Dictionary<string, uint>(linked, StringComparer.Ordinal);
            }
            LogLinkedCorrupt(_logger);
        }
        catch (FileNotFoundException)
        {
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (JsonException)
        {
            LogLinkedCorrupt(_logger);
        }
        return new Dictionary<string, uint>(StringComparer.Ordinal);
    }

    /// <summary>What the file holds: the current entries that linked, with their key ids.</summary>
    private Dictionary<string, uint> LinkedMarks() =>
        _entries.Values.Where(e => e.LinkedBefore).ToDictionary(e => e.Credentials.Did, e => e.Credentials.KeyId, StringComparer.Ordinal);

    private Task WriteLinkedAsync(CancellationToken cancellationToken) =>
        _files.WriteAsync(_linkedPath, JsonSerializer.SerializeToUtf8Bytes(new LinkedFile(1, LinkedMarks()), GatewayJsonContext.Default.LinkedFile), cancellationToken);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Sub-device keys loaded: {Count} known, {Gone} revoked or re-keyed")]
    private static partial void LogReloaded(ILogger logger, int count, int gone);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "The linked sub-devices file is unreadable; sub-devices will need the pairing window again")]
    private static partial void LogLinkedCorrupt(ILogger logger);
}
