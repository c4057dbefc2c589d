using System.Collections.Concurrent;
using Pi.Gateway.Provisioning;
using Pi.Gateway.Wifi;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>What the fake handler heard, in order.</summary>
internal abstract record HandlerEvent;

internal sealed record SessionStartedEvent(ProvisioningSession Session) : HandlerEvent;

internal sealed record SessionEndedEvent(ProvisioningSession Session, ProvisioningSessionEndReason Reason) : HandlerEvent;

internal sealed record JoinEvent(string Ssid, string Password) : HandlerEvent;

internal sealed record StoreEvent(RegistrationInfo Registration) : HandlerEvent;

/// <summary>
/// The state machine's stand-in: joins succeed with <see cref="RouterPassword"/> on any SSID and
/// fail with wrong_password otherwise; registrations are kept. Behaviour can be replaced per test.
/// </summary>
internal sealed class FakeProvisioningHandler : IProvisioningHandler
{
    public const string RouterPassword = "correct horse battery";
    public const string RouterIp = "192.168.1.23";

    private readonly Lock _lock = new();
    private readonly List<HandlerEvent> _events = [];
    private readonly List<(Func<HandlerEvent, bool> Match, TaskCompletionSource<HandlerEvent> Found)> _waiters = [];

    public Func<string, SecretString, CancellationToken, Task<JoinResult>> Join { get; set; } =
        (_, password, _) => Task.FromResult(password.Reveal() == RouterPassword ? JoinResult.Success(RouterIp) : JoinResult.Failed(WifiFailure.WrongPassword));

    public Func<RegistrationInfo, CancellationToken, Task<RegistrationStoreResult>> Store { get; set; } =
        (_, _) => Task.FromResult(RegistrationStoreResult.Success);

    public IReadOnlyList<HandlerEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public Task<JoinResult> JoinWifiAsync(string ssid, SecretString password, CancellationToken cancellationToken)
    {
        Record(new JoinEvent(ssid, password.Reveal()));
        return Join(ssid, password, cancellationToken);
    }

    public Task<RegistrationStoreResult> StoreRegistrationAsync(RegistrationInfo registration, CancellationToken cancellationToken)
    {
        Record(new StoreEvent(registration));
        return Store(registration, cancellationToken);
    }

    public void SessionStarted(ProvisioningSession session) => Record(new SessionStartedEvent(session));

    public void SessionEnded(ProvisioningSession session, ProvisioningSessionEndReason reason) => Record(new SessionEndedEvent(session, reason));

    /// <summary>The first event (past or future) that matches.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? match = null)
        where T : HandlerEvent
    {
        bool Matches(HandlerEvent e) => e is T t && (match is null || match(t));
        TaskCompletionSource<HandlerEvent> found;
        lock (_lock)
        {
            if (_events.FirstOrDefault(Matches) is { } seen)
            {
                return (T)seen;
            }
            found = new TaskCompletionSource<HandlerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Matches, found));
        }
        try
        {
            return (T)await found.Task.WaitAsync(TestTimeouts.Wait);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no {typeof(T).Name}; the handler heard: {string.Join(", ", Events)}");
        }
    }

    private void Record(HandlerEvent e)
    {
        List<TaskCompletionSource<HandlerEvent>> matched = [];
        lock (_lock)
        {
            _events.Add(e);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(e))
                {
                    matched.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (var found in matched)
        {
            found.TrySetResult(e);
        }
    }
}

/// <summary>The host's scan: a list taken before the softAP started, and another for rescans.</summary>
internal sealed class FakeSsidSource : ISsidSource
{
    private int _rescans;

    public IReadOnlyList<SsidEntry> Networks { get; set; } =
    [
        new("Neighbour", -80, WifiSecurity.Wpa3Sae),
        new("HomeRouter", -48, WifiSecurity.Wpa2Psk),
        new("Cafe", -90, WifiSecurity.Open),
    ];

    public IReadOnlyList<SsidEntry> Rescanned { get; set; } = [new("NewRouter", -40, WifiSecurity.Wpa2Wpa3)];

    public Exception? Failure { get; set; }

    public int Rescans => Volatile.Read(ref _rescans);

    public Task<IReadOnlyList<SsidEntry>> GetNetworksAsync(CancellationToken cancellationToken) =>
        Failure is null ? Task.FromResult(Networks) : Task.FromException<IReadOnlyList<SsidEntry>>(Failure);

    public Task<IReadOnlyList<SsidEntry>> RescanAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _rescans);
        return Failure is null ? Task.FromResult(Rescanned) : Task.FromException<IReadOnlyList<SsidEntry>>(Failure);
    }
}
