namespace Pi.Gateway.Provisioning;

/// <summary>
/// One APP at a time (docs/protocol.md section 5, rule 4). The session belongs to the first
/// connection whose first frame authenticated; another APP is told <c>busy</c>. The same APP (the
/// same public key, proven by the agreekey it could only derive with its private key) may replace
/// its own connection: a single radio drops the softAP while it joins a router, so the old
/// connection can be dead without the gateway knowing, and the APP comes back with a new search.
/// </summary>
internal sealed class SessionGate
{
    private readonly Lock _lock = new();
    private ProvisioningConnection? _active;

    /// <summary>Tries to make <paramref name="connection"/> the session.</summary>
    /// <param name="connection">The connection whose first frame authenticated.</param>
    /// <param name="replaced">The same APP's older connection, now no longer the session, which the caller must end.</param>
    /// <returns>False when another APP holds the session.</returns>
    public bool TryEnter(ProvisioningConnection connection, out ProvisioningConnection? replaced)
    {
        lock (_lock)
        {
            replaced = null;
            if (_active is not null)
            {
                if (!string.Equals(_active.AppKeyId, connection.AppKeyId, StringComparison.Ordinal))
                {
                    return false;
                }
                replaced = _active;
            }
            _active = connection;
            return true;
        }
    }

    /// <summary>Releases the session if <paramref name="connection"/> still holds it.</summary>
    public void Leave(ProvisioningConnection connection)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_active, connection))
            {
                _active = null;
            }
        }
    }
}
