using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// The searchkey channels of recent APPs, keyed by the APP public key, so a repeated or replayed
/// searchDevice meets the same sliding replay window (docs/protocol.md section 5, rule 2). Only a
/// search that authenticates adds an entry, so garbage from the air cannot flush the cache and
/// reopen the door to replays. Bounded in size (least recently used dropped) and in age.
/// </summary>
/// <remarks>Used by the search listener's single loop only; not thread-safe.</remarks>
internal sealed class SearchKeyCache(int capacity, TimeSpan lifetime, TimeProvider time) : IDisposable
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Entries held now.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Authenticates and decodes a searchDevice frame under the searchkey of its APP public key and
    /// <paramref name="secret"/>.
    /// </summary>
    /// <exception cref="ProtocolException">Wrong key (authentication_failed), replay, mode mismatch, bad JSON.</exception>
    public SearchDevice Open(ProvisioningFrame frame, ProvisioningSecret secret)
    {
        var now = time.GetTimestamp();
        Purge(now);
        var id = Convert.ToHexString(frame.PublicKey);
        ProvisioningChannel? created = null;
        if (!_entries.TryGetValue(id, out var entry) || !ReferenceEquals(entry.Secret, secret))
        {
            // New APP key (or the provisioning secret changed since): a fresh window.
            var searchKey = KeyDerivation.DeriveSearchKey(frame.PublicKey, secret);
            created = new ProvisioningChannel(searchKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, secret.IsOpenMode);
        }
        var channel = created ?? entry!.Channel;
        byte[] plaintext;
        try
        {
            plaintext = channel.OpenPlaintext(frame);
        }
        catch
        {
            created?.Dispose();
            throw;
        }
        if (created is not null)
        {
            Remember(id, new Entry(created, secret, now));
        }
        else
        {
            entry!.LastUsed = now;
        }
        // The frame authenticated: its counter is recorded even if its JSON is then refused.
        return (SearchDevice)ProtocolJson.DeserializeProvisioning(frame.Type, plaintext);
    }

    private void Remember(string id, Entry entry)
    {
        if (_entries.Remove(id, out var replaced))
        {
            replaced.Channel.Dispose();
        }
        if (_entries.Count >= capacity)
        {
            var oldest = _entries.MinBy(pair => pair.Value.LastUsed);
            _entries.Remove(oldest.Key);
            oldest.Value.Channel.Dispose();
        }
        _entries[id] = entry;
    }

    private void Purge(long now)
    {
        List<string>? expired = null;
        foreach (var (id, entry) in _entries)
        {
            if (time.GetElapsedTime(entry.LastUsed, now) >= lifetime)
            {
                (expired ??= []).Add(id);
            }
        }
        foreach (var id in expired ?? [])
        {
            _entries.Remove(id, out var entry);
            entry!.Channel.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Channel.Dispose();
        }
        _entries.Clear();
    }

    private sealed class Entry(ProvisioningChannel channel, ProvisioningSecret secret, long lastUsed)
    {
        public ProvisioningChannel Channel { get; } = channel;

        public ProvisioningSecret Secret { get; } = secret;

        public long LastUsed { get; set; } = lastUsed;
    }
}
