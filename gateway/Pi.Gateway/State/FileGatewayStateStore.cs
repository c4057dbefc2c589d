using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Identity;
using Pi.Protocol.Labels;

namespace Pi.Gateway.State;

/// <summary>
/// <see cref="IGatewayStateStore"/> on files in one data directory (mode 0700): identity.json,
/// registration.json, subdevices.json and flags.json, each JSON with a <c>version</c>, mode 0600,
/// written through <see cref="AtomicFile"/>.
/// </summary>
/// <remarks>
/// <para>At the first call the directory is made (or narrowed to 0700) and temporary files left by an
/// interrupted write are removed. Writes and that clean-up hold <c>.lock</c> in the directory
/// (flock), so a second process on the same directory (a <c>qr</c> run beside the service) never
/// loses a write in progress to the other's clean-up.</para>
/// <para>A file that is corrupt (unparsable, half-written, invalid, of an unknown version or larger than
/// <see cref="StateOptions.MaxFileBytes"/>) is reported as <see cref="StateFileStatus.Corrupt"/> with a
/// problem text, logged once as a warning, and moved aside to <c>&lt;name&gt;.corrupt-&lt;UTC time&gt;</c>
/// so that the next start is clean and the bytes stay for inspection.</para>
/// <para>identity.json is the exception: the identity is on the printed label and must not change
/// silently, so a corrupt one stops the gateway with <see cref="IdentityCorruptException"/> (and a
/// critical log line naming the file and the way out), unless
/// <see cref="StateOptions.RegenerateIdentity"/> is set for that start.</para>
/// <para>Calls are serialized. Secrets never reach a log line or an exception message.</para>
/// </remarks>
public sealed partial class FileGatewayStateStore : IGatewayStateStore, IDisposable
{
    /// <summary>The identity's file.</summary>
    public const string IdentityFileName = "identity.json";

    /// <summary>The registration's file.</summary>
    public const string RegistrationFileName = "registration.json";

    /// <summary>The sub-devices' file.</summary>
    public const string SubDevicesFileName = "subdevices.json";

    /// <summary>The flags' file (resetFlag).</summary>
    public const string FlagsFileName = "flags.json";

    /// <summary>What a moved-aside file's name gets after its own: <c>.corrupt-20250131T235959123Z</c>.</summary>
    public const string CorruptMarker = ".corrupt-";

    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupAndOther = (UnixFileMode)0b000_111_111;

    private readonly StateOptions _options;
    private readonly IdentityFactory _identityFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly AtomicFile _files;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _ready;
    private bool _macMismatchLogged;

    /// <summary>A store under <see cref="StateOptions.DataDirectory"/>.</summary>
    public FileGatewayStateStore(IOptions<StateOptions> options, IdentityFactory identityFactory, TimeProvider timeProvider, ILogger<FileGatewayStateStore> logger)
        : this(options?.Value!, identityFactory, timeProvider, logger, new AtomicFile())
    {
    }

    /// <summary>A store writing through <paramref name="files"/> (the crash tests' writer).</summary>
    internal FileGatewayStateStore(StateOptions options, IdentityFactory identityFactory, TimeProvider timeProvider, ILogger logger, AtomicFile files)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identityFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(files);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }
        _options = options;
        _identityFactory = identityFactory;
        _timeProvider = timeProvider;
        _logger = logger;
        _files = files;
        DataDirectory = Path.GetFullPath(options.DataDirectory);
    }

    /// <summary>The data directory (full path).</summary>
    public string DataDirectory { get; }

    /// <inheritdoc />
    /// <exception cref="IdentityCorruptException">identity.json is corrupt and <see cref="StateOptions.RegenerateIdentity"/> is off.</exception>
    /// <exception cref="ArgumentException"><paramref name="mac"/> or <paramref name="serialNumber"/> is not acceptable.</exception>
    public Task<GatewayIdentity> LoadOrCreateIdentityAsync(string mac, string? serialNumber, CancellationToken cancellationToken)
    {
        var interfaceMac = DeviceMac.Normalize(mac);
        return LockedAsync(async () =>
        {
            var load = await LoadAsync(IdentityFileName, StateJsonContext.Default.IdentityFile, StateRules.ToIdentity, StateRules.Check, moveAsideWhenCorrupt: false, cancellationToken).ConfigureAwait(false);
            switch (load.Status)
            {
                case StateFileStatus.Loaded:
                    if (_options.RegenerateIdentity)
                    {
                        LogRegenerateIgnored(_logger, IdentityFileName);
                    }
                    var identity = load.Value!;
                    if (identity.Mac != interfaceMac && !_macMismatchLogged)
                    {
                        _macMismatchLogged = true;
                        LogIdentityMacDiffers(_logger, identity.Mac, interfaceMac);
                    }
                    return identity;
                case StateFileStatus.Corrupt when !_options.RegenerateIdentity:
                    var path = PathOf(IdentityFileName);
                    LogIdentityCorrupt(_logger, path, load.Problem!, StateOptions.RegenerateIdentityArgument);
                    throw new IdentityCorruptException(path, load.Problem!);
                case StateFileStatus.Corrupt:
                    // A new identity is a new device: what the cloud issued to the old one goes,
                    // and the flag tells the APP the device was reset. In this order, so that a
                    // crash part way leaves no old credentials beside a new identity.
                    await WriteFileAsync(FlagsFileName, new FlagsFile(StateFormat.Version, ResetFlag: true), StateJsonContext.Default.FlagsFile, cancellationToken).ConfigureAwait(false);
                    WipeCredentialFiles();
                    var movedTo = MoveAside(IdentityFileName);
                    LogIdentityRegenerated(_logger, PathOf(IdentityFileName), load.Problem!, movedTo ?? "(could not be moved)");
                    break;
            }
            return await CreateIdentityAsync(interfaceMac, serialNumber, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StateLoad<GatewayRegistration>> LoadRegistrationAsync(CancellationToken cancellationToken) =>
        LockedAsync(() => LoadAsync(RegistrationFileName, StateJsonContext.Default.RegistrationFile, StateRules.ToRegistration, StateRules.Check, moveAsideWhenCorrupt: true, cancellationToken), cancellationToken);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The registration breaks a rule (named, without its value).</exception>
    public Task SaveRegistrationAsync(GatewayRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        Require(StateRules.Check(registration), nameof(registration));
        return LockedAsync(async () =>
        {
            await WriteFileAsync(RegistrationFileName, StateRules.ToFile(registration), StateJsonContext.Default.RegistrationFile, cancellationToken).ConfigureAwait(false);
            LogRegistrationSaved(_logger, registration.Tid, registration.KeyId, registration.KeyExpiresAt, registration.PendingKeys?.KeyId);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StateLoad<IReadOnlyList<SubDeviceCredentials>>> LoadSubDevicesAsync(CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var load = await LoadAsync(SubDevicesFileName, StateJsonContext.Default.SubDevicesFile, StateRules.ToSubDevices, StateRules.Check, moveAsideWhenCorrupt: true, cancellationToken).ConfigureAwait(false);
            return load.Value is null ? load with { Value = [] } : load;
        }, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A sub-device breaks a rule (named, without its value).</exception>
    public Task SaveSubDevicesAsync(IReadOnlyList<SubDeviceCredentials> subDevices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subDevices);
        Require(StateRules.Check(subDevices), nameof(subDevices));
        return LockedAsync(async () =>
        {
            await WriteFileAsync(SubDevicesFileName, StateRules.ToFile(subDevices), StateJsonContext.Default.SubDevicesFile, cancellationToken).ConfigureAwait(false);
            LogSubDevicesSaved(_logger, subDevices.Count);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> LoadResetFlagAsync(CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var load = await LoadAsync(FlagsFileName, StateJsonContext.Default.FlagsFile, static f => f, static _ => null, moveAsideWhenCorrupt: true, cancellationToken).ConfigureAwait(false);
            return load.Value?.ResetFlag ?? false;
        }, cancellationToken);

    /// <inheritdoc />
    public Task SaveResetFlagAsync(bool resetFlag, CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            await WriteFileAsync(FlagsFileName, new FlagsFile(StateFormat.Version, resetFlag), StateJsonContext.Default.FlagsFile, cancellationToken).ConfigureAwait(false);
            LogResetFlagSaved(_logger, resetFlag);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Also deletes moved-aside copies of those files: they may hold the old keys too.</remarks>
    public Task WipeCredentialsAsync(CancellationToken cancellationToken) =>
        LockedAsync(() =>
        {
            WipeCredentialFiles();
            return Task.FromResult(true);
        }, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private async Task<T> LockedAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            return await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<GatewayIdentity> CreateIdentityAsync(string mac, string? serialNumber, CancellationToken cancellationToken)
    {
        var identity = await _identityFactory.CreateAsync(mac, serialNumber, cancellationToken).ConfigureAwait(false);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(StateRules.ToFile(identity), StateJsonContext.Default.IdentityFile);
        try
        {
            bool created;
            using (await DirectoryLock.AcquireAsync(DataDirectory, cancellationToken).ConfigureAwait(false))
            {
                created = await _files.TryCreateAsync(PathOf(IdentityFileName), bytes, cancellationToken).ConfigureAwait(false);
            }
            if (created)
            {
                LogIdentityCreated(_logger, identity.Uuid, identity.Sn, identity.Mac, PathOf(IdentityFileName));
                return identity;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
        // Another process (a `qr` run beside the service) made one first: that one is the identity.
        var other = await LoadAsync(IdentityFileName, StateJsonContext.Default.IdentityFile, StateRules.ToIdentity, StateRules.Check, moveAsideWhenCorrupt: false, cancellationToken).ConfigureAwait(false);
        return other.Value ?? throw new IdentityCorruptException(PathOf(IdentityFileName), other.Problem ?? "it vanished while being read");
    }

    private async Task<StateLoad<TValue>> LoadAsync<TFile, TValue>(
        string name, JsonTypeInfo<TFile> info, Func<TFile, TValue> toValue, Func<TValue, string?> check, bool moveAsideWhenCorrupt, CancellationToken cancellationToken)
        where TValue : class
    {
        var path = PathOf(name);
        byte[]? bytes = null;
        try
        {
            string? problem;
            TValue? value = null;
            (bytes, problem) = await ReadBoundedAsync(path, cancellationToken).ConfigureAwait(false);
            if (bytes is null && problem is null)
            {
                return new StateLoad<TValue>(StateFileStatus.Missing, null);
            }
            if (problem is null)
            {
                value = StateFormat.Parse(bytes, info, toValue, check, out problem);
            }
            if (value is not null)
            {
                NarrowFileMode(path);
                return new StateLoad<TValue>(StateFileStatus.Loaded, value);
            }
            if (moveAsideWhenCorrupt)
            {
                var movedTo = MoveAside(name);
                LogFileCorrupt(_logger, path, problem!, movedTo ?? "(could not be moved; it will be reported again)");
            }
            return new StateLoad<TValue>(StateFileStatus.Corrupt, null, problem);
        }
        finally
        {
            if (bytes is not null)
            {
                CryptographicOperations.ZeroMemory(bytes);
            }
        }
    }

    private static void Require(string? problem, string parameter)
    {
        if (problem is not null)
        {
            throw new ArgumentException(problem, parameter);
        }
    }
}
